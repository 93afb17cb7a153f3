package projections

import (
	"fmt"
	"strings"

	"github.com/rosterhq/roster/domain"
)

// Where builds the WHERE clause of a read model's query from conditions
// and their values, numbering the placeholders in the order the values
// are added, so that a filter with optional parts never miscounts them.
// Every query of a read model is about one tenant: the first condition,
// $1, is the tenant's.
type Where struct {
	clauses []string
	args    []any
}

// WhereTenant starts a clause with column = tenant.
func WhereTenant(column string, tenant domain.TenantID) *Where {
	return &Where{clauses: []string{column + " = $1"}, args: []any{string(tenant)}}
}

// Add appends a condition; its %d verbs are given the placeholder numbers
// of values, in order ("a.at >= $%d"). The clause is a format: a literal
// percent sign in it is written %%.
func (w *Where) Add(clause string, values ...any) {
	n := make([]any, len(values))
	for i, v := range values {
		w.args = append(w.args, v)
		n[i] = len(w.args)
	}
	w.clauses = append(w.clauses, fmt.Sprintf(clause, n...))
}

// Arg adds a value the query uses after the clause (a LIMIT) and returns
// its placeholder, "$n".
func (w *Where) Arg(value any) string {
	w.args = append(w.args, value)
	return fmt.Sprintf("$%d", len(w.args))
}

// SQL is the clause (the conditions joined by AND) and its arguments.
func (w *Where) SQL() (string, []any) {
	return strings.Join(w.clauses, " AND "), w.args
}
