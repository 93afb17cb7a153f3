package readapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections/tenants"
	"github.com/rosterhq/roster/projections/users"
	"github.com/rosterhq/roster/readapi"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const day = 24 * time.Hour

// awayTenant is a tenant "acme" whose users' histories are placed relative
// to the present (the list counts days back from the API's clock, the present here),
// a day or more away from every limit the tests use, and its read API,
// called as the operator.
type awayTenant struct {
	t      *testing.T
	w      *projectiontest.World
	now    time.Time
	last   eventstore.Position
	server *httptest.Server
}

// newAwayTenant builds the tenant the inactive_days tests read:
//   - away for more than 30 days: old-never (active for 60 days, never
//     logged in), old-login (last login 45 days ago), edge-in (31 days ago)
//     and refused (active for 90 days, never logged in);
//   - not: recent-login (80 days ago, then 2 days ago), edge-out (29 days
//     ago), new-never (active for 10 days, never logged in) and back (active
//     90 days ago, deactivated, reactivated 5 days ago);
//   - not active staff: inactive, blocked and customer (active 90 days ago,
//     never logged in), and invited (invited 90 days ago).
func newAwayTenant(t *testing.T) *awayTenant {
	a := &awayTenant{t: t, w: projectiontest.New(t), now: time.Now().UTC().Truncate(time.Second)}
	for _, id := range []domain.UserID{"old-login", "edge-in", "recent-login", "edge-out", "back", "inactive", "blocked", "refused"} {
		a.joined(id, domain.KindMember, 90*day)
	}
	a.joined("old-never", domain.KindMember, 60*day)
	a.joined("new-never", domain.KindMember, 10*day)
	a.joined("customer", domain.KindCustomer, 90*day)
	a.at(90*day, domain.UserInvited{User: "invited", Role: domain.RoleMember, Kind: domain.KindMember,
		PII: domain.PersonalData{Email: "invited@acme.test", Name: "Person invited"}})
	a.loggedIn("old-login", 45*day)
	a.loggedIn("edge-in", 31*day)
	a.loggedIn("recent-login", 80*day)
	a.loggedIn("recent-login", 2*day)
	a.loggedIn("edge-out", 29*day)
	a.at(80*day, domain.UserDeactivated{User: "back"})
	a.at(5*day, domain.UserReactivated{User: "back"})
	a.at(80*day, domain.UserDeactivated{User: "inactive"})
	a.at(80*day, domain.UserBlocked{User: "blocked", PreviousStatus: domain.StatusActive})
	a.w.WaitFor(a.w.Project(tenants.New(), users.New()), a.last, tenants.Table, users.Table)

	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			next.ServeHTTP(w, req.WithContext(access.With(req.Context(), access.Principal{Operator: true})))
		})
	})
	(&readapi.API{DB: a.w.Pool, Log: slog.New(slog.DiscardHandler)}).Mount(r)
	a.server = httptest.NewServer(r)
	t.Cleanup(a.server.Close)
	return a
}

// at appends events that happened ago before the present (one second apart).
func (a *awayTenant) at(ago time.Duration, events ...domain.Event) {
	a.w.Now = a.now.Add(-ago)
	a.last = a.w.Append("acme", events...)
}

// joined invites a user of kind, active at once, ago before the present.
func (a *awayTenant) joined(id domain.UserID, kind domain.Kind, ago time.Duration) {
	a.at(ago, domain.UserInvited{User: id, Role: domain.RoleMember, Kind: kind,
		PII: domain.PersonalData{Email: string(id) + "@acme.test", Name: "Person " + string(id)}}, domain.UserActivated{User: id})
}

// loggedIn records a login of id that happened ago before the present.
func (a *awayTenant) loggedIn(id domain.UserID, ago time.Duration) {
	a.at(ago, domain.UserLoggedIn{User: id, At: a.now.Add(-ago)})
}

// refusal stores the refusal the deactivation scheduler met for tenant's user.
func (a *awayTenant) refusal(tenant domain.TenantID, user domain.UserID, code domain.Code, detail string, at time.Time) {
	a.t.Helper()
	_, err := a.w.Pool.Exec(context.Background(), `INSERT INTO `+users.RefusalsTable+` (tenant_id, user_id, code, detail, at)
VALUES ($1, $2, $3, $4, $5)`, string(tenant), string(user), string(code), detail, at)
	if err != nil {
		a.t.Fatal(err)
	}
}

// get answers GET /v1/tenants/acme/users?query: its status and body.
func (a *awayTenant) get(query string) (int, []byte) {
	a.t.Helper()
	resp, err := http.Get(a.server.URL + "/v1/tenants/acme/users?" + query)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp.StatusCode, body
}

// listedUser is an item of the users list, as much as these tests read,
// with its keys.
type listedUser struct {
	ID                  domain.UserID `json:"id"`
	LastLoginAt         *time.Time    `json:"last_login_at"`
	DeactivationRefused *struct {
		Code   domain.Code `json:"code"`
		Detail string      `json:"detail"`
		At     time.Time   `json:"at"`
	} `json:"deactivation_refused"`
	keys map[string]json.RawMessage
}

// list reads every page of the users list with query; total is what each
// page says matches in all (they must agree).
func (a *awayTenant) list(query string) (all []listedUser, total int) {
	a.t.Helper()
	q, err := url.ParseQuery(query)
	if err != nil {
		a.t.Fatal(err)
	}
	for pages := 0; ; pages++ {
		status, body := a.get(q.Encode())
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
			Total      int               `json:"total"`
		}
		if err := json.Unmarshal(body, &page); status != http.StatusOK || err != nil {
			a.t.Fatalf("%s: %d %s (%v)", query, status, body, err)
		}
		if pages > 0 && page.Total != total {
			a.t.Fatalf("%s: page %d says %d in all, the first said %d", query, pages, page.Total, total)
		}
		total = page.Total
		for _, raw := range page.Items {
			var u listedUser
			if err := json.Unmarshal(raw, &u); err != nil {
				a.t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &u.keys); err != nil {
				a.t.Fatal(err)
			}
			all = append(all, u)
		}
		if page.NextCursor == "" {
			return all, total
		}
		q.Set("cursor", page.NextCursor)
	}
}

func idsOf(list []listedUser) []domain.UserID {
	out := []domain.UserID{}
	for _, u := range list {
		out = append(out, u.ID)
	}
	return out
}

// The list with inactive_days holds exactly the active staff whose last
// login, or latest activation when they never logged in, is older than the
// limit: a recent login or a recent reactivation keeps a user off it, and
// users who are not active, or not staff, are never on it. It pages, and
// combines with the other filters, as the plain list does.
func TestTheListOfUsersAwayHoldsExactlyTheActiveStaffPastTheLimit(t *testing.T) {
	a := newAwayTenant(t)
	for query, want := range map[string][]domain.UserID{
		"inactive_days=30":                       {"edge-in", "old-login", "old-never", "refused"},
		"inactive_days=30&limit=1":               {"edge-in", "old-login", "old-never", "refused"},
		"inactive_days=30&limit=3":               {"edge-in", "old-login", "old-never", "refused"},
		"inactive_days=1":                        {"back", "edge-in", "edge-out", "new-never", "old-login", "old-never", "recent-login", "refused"},
		"inactive_days=28&role=member&limit=2":   {"edge-in", "edge-out", "old-login", "old-never", "refused"},
		"inactive_days=50":                       {"old-never", "refused"},
		"inactive_days=70":                       {"refused"},
		"inactive_days=3650":                     {},
		"inactive_days=30&q=old":                 {"old-login", "old-never"},
		"inactive_days=30&assignable=true&q=ref": {"refused"},
		"inactive_days=30&status=active":         {"edge-in", "old-login", "old-never", "refused"},
		"inactive_days=30&status=inactive":       {},
		"inactive_days=30&kind=customer":         {},
	} {
		if got, total := a.list(query); !slices.Equal(idsOf(got), want) || total != len(want) {
			t.Errorf("%s: %v (total %d)\nwant %v", query, idsOf(got), total, want)
		}
	}
}

// Each user on the list shows last_login_at (null if never), and, when the
// deactivation scheduler recorded a refusal for them (this tenant's, not
// another's of the same id), deactivation_refused with its code, detail and
// instant; the key is absent for the others, and on every other list.
func TestTheListOfUsersAwayShowsTheRefusalAutomaticDeactivationMet(t *testing.T) {
	a := newAwayTenant(t)
	refusedAt := a.now.Add(-time.Hour)
	a.refusal("acme", "refused", domain.CodeSoleOwner, "the tenant's only owner stays active", refusedAt)
	a.refusal("acme", "recent-login", domain.CodeTeamLeader, "not on the list", refusedAt) // not away: not listed
	a.refusal("other", "old-never", domain.CodeTeamLeader, "another tenant's user", refusedAt)

	got, _ := a.list("inactive_days=30")
	if !slices.Equal(idsOf(got), []domain.UserID{"edge-in", "old-login", "old-never", "refused"}) {
		t.Fatalf("listed %v", idsOf(got))
	}
	wantLogin := map[domain.UserID]*time.Time{"edge-in": ptr(a.now.Add(-31 * day)), "old-login": ptr(a.now.Add(-45 * day))}
	for _, u := range got {
		if _, has := u.keys["last_login_at"]; !has || !sameInstant(u.LastLoginAt, wantLogin[u.ID]) {
			t.Errorf("%s: last_login_at %s, want %v", u.ID, u.keys["last_login_at"], wantLogin[u.ID])
		}
		_, has := u.keys["deactivation_refused"]
		switch r := u.DeactivationRefused; {
		case u.ID != "refused" && has:
			t.Errorf("%s shows deactivation_refused %s, but no refusal is recorded for it", u.ID, u.keys["deactivation_refused"])
		case u.ID == "refused" && (r == nil || r.Code != domain.CodeSoleOwner || r.Detail != "the tenant's only owner stays active" || !r.At.Equal(refusedAt)):
			t.Errorf("refused: deactivation_refused %s, want sole_owner at %s", u.keys["deactivation_refused"], refusedAt)
		}
	}
	plain, total := a.list("status=active")
	if len(plain) != total || total != 9 {
		t.Fatalf("the active users: %v (total %d)", idsOf(plain), total)
	}
	for _, u := range plain {
		if _, has := u.keys["deactivation_refused"]; has {
			t.Errorf("the plain list shows deactivation_refused for %s", u.ID)
		}
		if _, has := u.keys["last_login_at"]; !has {
			t.Errorf("the plain list has no last_login_at for %s", u.ID)
		}
	}
}

// inactive_days takes a whole number of days from 1 to 3650, written
// plainly and given once; anything else is 400 invalid naming it.
func TestInactiveDaysOutsideOneToTenYearsIsRefusedNamingIt(t *testing.T) {
	a := newAwayTenant(t)
	for _, query := range []string{"inactive_days=0", "inactive_days=3651", "inactive_days=-1", "inactive_days=%2B5",
		"inactive_days=007", "inactive_days=abc", "inactive_days=1.5", "inactive_days=1e3", "inactive_days=", "inactive_days=%205",
		"inactive_days=5%20", "inactive_days=99999999", "inactive_days=123456789", "inactive_days=5&inactive_days=6",
		"inactive_days=0x10", "limit=5&inactive_days=30d"} {
		status, body := a.get(query)
		var problem struct {
			Code  domain.Code `json:"code"`
			Field string      `json:"field"`
		}
		if err := json.Unmarshal(body, &problem); err != nil || status != http.StatusBadRequest ||
			problem.Code != domain.CodeInvalid || problem.Field != "inactive_days" {
			t.Errorf("%s: %d %s, want 400 invalid naming inactive_days", query, status, body)
		}
	}
	for _, query := range []string{"inactive_days=1", "inactive_days=3650"} {
		if status, body := a.get(query); status != http.StatusOK {
			t.Errorf("%s: %d %s, want 200", query, status, body)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// sameInstant reports whether two optional instants are both absent or equal.
func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
