package readapi_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/rosterhq/roster/domain"
)

// countedPage is a page of the users list as the counts tests read it.
type countedPage struct {
	Items []struct {
		ID domain.UserID `json:"id"`
	} `json:"items"`
	NextCursor string                     `json:"next_cursor"`
	Total      int                        `json:"total"`
	Counts     map[string]int             `json:"counts"`
	Keys       map[string]json.RawMessage `json:"-"`
}

// page reads one page of the users list with query, which must answer 200.
func (a *awayTenant) page(query string) countedPage {
	a.t.Helper()
	status, body := a.get(query)
	var p countedPage
	if status != http.StatusOK || json.Unmarshal(body, &p) != nil || json.Unmarshal(body, &p.Keys) != nil {
		a.t.Fatalf("%s: %d %s", query, status, body)
	}
	return p
}

// With counts=status the list also counts, by status, the users that match
// every other filter — q, role, kind, team, assignable and inactive_days
// alike; its items, cursor and total are the list's without it, and total
// is the count of the status asked for (their sum without one).
func TestCountsByStatusCountEachStatusUnderEveryOtherFilter(t *testing.T) {
	a := newAwayTenant(t)
	everyone := map[string]int{"invited": 1, "active": 9, "inactive": 1, "blocked": 1, "deleted": 0}
	for query, want := range map[string]map[string]int{
		"":                                 everyone,
		"status=inactive":                  everyone,
		"status=active&limit=2":            everyone,
		"q=person&status=blocked&limit=1":  everyone,
		"kind=customer":                    {"invited": 0, "active": 1, "inactive": 0, "blocked": 0, "deleted": 0},
		"q=old":                            {"invited": 0, "active": 2, "inactive": 0, "blocked": 0, "deleted": 0},
		"q=OLD&status=inactive":            {"invited": 0, "active": 2, "inactive": 0, "blocked": 0, "deleted": 0},
		"inactive_days=30":                 {"invited": 0, "active": 4, "inactive": 0, "blocked": 0, "deleted": 0},
		"inactive_days=30&status=inactive": {"invited": 0, "active": 4, "inactive": 0, "blocked": 0, "deleted": 0},
		"assignable=false":                 {"invited": 1, "active": 1, "inactive": 1, "blocked": 1, "deleted": 0},
		"role=admin":                       {"invited": 0, "active": 0, "inactive": 0, "blocked": 0, "deleted": 0},
		"team=red":                         {"invited": 0, "active": 0, "inactive": 0, "blocked": 0, "deleted": 0},
	} {
		plain := a.page(query)
		counted := a.page(strings.TrimPrefix(query+"&counts=status", "&"))
		if _, has := plain.Keys["counts"]; has {
			t.Errorf("%s: the list without counts=status has counts %s", query, plain.Keys["counts"])
		}
		if !maps.Equal(counted.Counts, want) {
			t.Errorf("%s: counts %v, want %v", query, counted.Counts, want)
		}
		if idsJSON(counted) != idsJSON(plain) || counted.NextCursor != plain.NextCursor || counted.Total != plain.Total {
			t.Errorf("%s: with counts %s next %q total %d, without %s next %q total %d",
				query, idsJSON(counted), counted.NextCursor, counted.Total, idsJSON(plain), plain.NextCursor, plain.Total)
		}
	}
}

// counts takes only the value status, given once; anything else is 400
// invalid naming counts.
func TestCountsOtherThanStatusOnceIsRefusedNamingIt(t *testing.T) {
	a := newAwayTenant(t)
	for _, query := range []string{"counts=", "counts=Status", "counts=role", "counts=status,role", "counts=status%20",
		"counts=status&counts=status", "counts=status&counts=", "counts", "status=active&counts=true"} {
		status, body := a.get(query)
		var problem struct {
			Code  domain.Code `json:"code"`
			Field string      `json:"field"`
		}
		if err := json.Unmarshal(body, &problem); err != nil || status != http.StatusBadRequest ||
			problem.Code != domain.CodeInvalid || problem.Field != "counts" {
			t.Errorf("%s: %d %s, want 400 invalid naming counts", query, status, body)
		}
	}
}

func idsJSON(p countedPage) string {
	raw, _ := json.Marshal(p.Items)
	return string(raw)
}
