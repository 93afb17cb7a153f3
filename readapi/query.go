package readapi

import (
	"errors"
	"net/http"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
)

// parameter is a query parameter a read route takes, and what it may hold:
// text by the domain's rule (valid UTF-8, no control characters) of at most
// max characters and, where check is set, of the form it checks (an id of
// the domain's types). Handlers parse the meaning (numbers, instants,
// enumerations) themselves; checkQuery makes sure beforehand that no value
// can make a query fail, or cost what its length would.
type parameter struct {
	name  string
	max   int
	check func(field, value string) error
}

// maxQueryText is q's bound: it matches within a user's name and e-mail
// ("name email"), so it may be as long as both together.
const maxQueryText = domain.MaxNameLength + 1 + domain.MaxEmailBytes

// The query parameters of the read routes.
var (
	minPositionParam = parameter{name: "min_position", max: 64} // "<commit>-<prepare>", two uint64s
	limitParam       = parameter{name: "limit", max: 8}
	// Cursors are opaque; each list's own is shorter (a user or item id,
	// a position) and each query reads it as a plain value.
	cursorParam     = parameter{name: "cursor", max: 512}
	statusParam     = parameter{name: "status", max: 16}
	roleParam       = parameter{name: "role", max: 16}
	userKindParam   = parameter{name: "kind", max: 16}
	teamParam       = parameter{name: "team", max: 128, check: func(f, v string) error { return domain.TeamID(v).Check(f) }}
	searchParam     = parameter{name: "q", max: maxQueryText}
	assignableParam = parameter{name: "assignable", max: 8}
	// inactive_days is a whole number of days, 1–3650, which the handler parses.
	inactiveDaysParam = parameter{name: "inactive_days", max: 8}
	countsParam       = parameter{name: "counts", max: 8} // counts=status on the list of users; the handler takes only that
	asOfParam         = parameter{name: "as_of", max: 64} // RFC 3339 with nanoseconds and an offset is 35
	assigneeParam     = parameter{name: "assignee", max: 64, check: userOrUnassigned}
	workKindParam     = parameter{name: "kind", max: domain.MaxWorkKindLength}
	// actor is a user id today; any text of 128 characters leaves room for
	// other actors' ids without letting a query see what it cannot hold.
	actorParam  = parameter{name: "actor", max: 128}
	targetParam = parameter{name: "target", max: 64, check: func(f, v string) error { return domain.UserID(v).Check(f) }}
	actionParam = parameter{name: "action", max: 64} // an event type name
	fromParam   = parameter{name: "from", max: 64}
	toParam     = parameter{name: "to", max: 64}
	formatParam = parameter{name: "format", max: 8}
)

func userOrUnassigned(field, v string) error {
	if v == string(domain.Unassigned) {
		return nil
	}
	return domain.UserID(v).Check(field)
}

// checkQuery answers 400 invalid, naming the parameter, to a request with
// a value of one of params (every value, when it is repeated) that breaks
// its rule, before the route's handler runs any query. Parameters the
// route does not take are left alone: nothing reads them.
func checkQuery(params []parameter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			query := r.URL.Query()
			for _, p := range params {
				for _, v := range query[p.name] {
					if refusal := p.refuse(v); refusal != nil {
						access.Refuse(w, refusal)
						return
					}
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// refuse returns the refusal of value, or nil when the parameter may hold it.
func (p parameter) refuse(value string) *domain.Error {
	err := domain.Text{Max: p.max}.Check(p.name, value)
	if err == nil && p.check != nil && value != "" {
		err = p.check(p.name, value)
	}
	var refusal *domain.Error
	if err != nil && !errors.As(err, &refusal) {
		refusal = domain.InvalidField(p.name, "%s is not valid", p.name)
	}
	return refusal
}
