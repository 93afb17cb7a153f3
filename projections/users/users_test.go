package users_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/tenants"
	"github.com/rosterhq/roster/projections/users"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

func event(data domain.Event) projections.Event {
	return projections.Event{Tenant: "acme", Data: data}
}

func TestTheReducerIsPureAndIgnoresWhatIsNotAboutUsers(t *testing.T) {
	t.Parallel()
	p := users.New()
	invited := p.Reduce(event(domain.UserInvited{User: "ann", Role: domain.RoleMember, Kind: domain.KindMember,
		PII: domain.PersonalData{Email: "ann@acme.test", Name: "Ann Example"}}))
	if len(invited) != 2 || invited[0].Copy == nil || invited[0].Copy.Table != users.Table || invited[1].Copy.Table != users.SearchTable ||
		!slices.Contains(invited[0].Copy.Values, any("Ann Example")) || !slices.Contains(invited[1].Copy.Values, any("ann example ann@acme.test")) {
		t.Fatalf("UserInvited → %+v", invited)
	}
	erased := p.Reduce(event(domain.UserInvited{User: "bob", PII: domain.PersonalData{Erased: true}}))
	if len(erased) != 1 || !slices.Contains(erased[0].Copy.Values, any(domain.DeletedUserName)) || erased[0].Copy.Values[2] != nil {
		t.Fatalf("an erased invitation → %+v, want Deleted user, no e-mail and no search text", erased)
	}
	if got := p.Reduce(event(domain.UserDeleted{User: "ann"})); len(got) != 2 || !slices.Contains(got[0].Args, any(domain.DeletedUserName)) ||
		!strings.HasPrefix(got[1].SQL, "DELETE FROM "+users.SearchTable) {
		t.Fatalf("UserDeleted → %+v, want the erasure (with its version step) and the search text gone", got)
	}
	for _, e := range []domain.Event{domain.TeamLeaderAssigned{Team: "red", Leader: "ann", Previous: "bob"}, domain.UserDeactivated{User: "ann"}, domain.PasswordSet{User: "ann"}} {
		if got := p.Reduce(event(e)); len(got) != 1 || !strings.Contains(got[0].SQL, "version = version + 1") {
			t.Fatalf("%s → %+v, want one statement that steps the version", e.EventType(), got)
		}
	}
	for _, ignored := range []domain.Event{domain.TenantCreated{}, domain.SeatsChanged{}, domain.WorkAssigned{Item: "j"}, domain.TeamDefined{Team: "red"}} {
		if got := p.Reduce(event(ignored)); len(got) != 0 {
			t.Errorf("%s → %d statements, want none", ignored.EventType(), len(got))
		}
	}
}

// history builds a tenant of 25 users in every status, role, kind and team,
// some reactivated or unblocked, some logged in (once out of order), and
// returns the write model the events lead to.
func history(w *projectiontest.World, preset string) (*domain.Tenant, eventstore.Position) {
	state := &domain.Tenant{}
	op := domain.OperatorActor()
	var last eventstore.Position
	do := func(cmd domain.Command) {
		events, err := domain.Decide(state, cmd)
		if err != nil {
			w.T.Fatalf("%T: %v", cmd, err)
		}
		for _, e := range events {
			domain.Evolve(state, e)
		}
		if len(events) > 0 {
			last = w.Append("acme", events...)
		}
	}
	pii := func(id string) domain.PersonalData {
		return domain.PersonalData{Email: id + "@acme.test", Name: "Person " + strings.ToUpper(id)}
	}
	do(domain.CreateTenant{Actor: op, Tenant: "acme", Name: "Acme", Preset: preset, Seats: 100,
		Owner: domain.OwnerAccount{User: "owner", PII: pii("owner"), EmailIndex: "owner"}})
	do(domain.DefineTeam{Actor: op, Team: "red", Name: "Red"})
	roles := []domain.Role{domain.RoleAdmin, domain.RoleManager, domain.RoleMember}
	for i := range 24 {
		id := domain.UserID(fmt.Sprintf("u-%02d", i))
		kind := domain.KindMember
		if i%6 == 5 {
			kind = domain.KindCustomer
		}
		role := roles[i%3]
		if kind == domain.KindCustomer {
			role = domain.RoleMember
		}
		do(domain.InviteUser{Actor: op, User: id, PII: pii(string(id)), EmailIndex: string(id), Role: role, Kind: kind, Activate: i%4 != 0})
		if i%2 == 0 && kind == domain.KindMember {
			do(domain.JoinTeam{Actor: op, Team: "red", User: id})
		}
		at := w.Now
		switch i % 8 {
		case 1:
			do(domain.DeactivateUser{Actor: op, User: id, At: at})
		case 3:
			do(domain.BlockUser{Actor: op, User: id, At: at})
		case 7:
			if state.Policy().DeletionAllowed {
				do(domain.DeleteUser{Actor: op, User: id})
			} else {
				do(domain.DeactivateUser{Actor: op, User: id, At: at})
			}
		}
		logins(state, do, id, i)
	}
	do(domain.AssignTeamLeader{Actor: op, Team: "red", User: ptr(domain.UserID("u-02"))})
	return state, last
}

// logins gives the i-th user of history, once settled, a later life: some
// log in (one with an older login recorded after a newer one), some
// deactivated users come back, some blocked ones are unblocked.
func logins(state *domain.Tenant, do func(domain.Command), id domain.UserID, i int) {
	op, day := domain.OperatorActor(), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	u, _ := state.User(id)
	switch {
	case i%8 == 1 && i%3 == 0:
		do(domain.ReactivateUser{Actor: op, User: id})
	case i%8 == 3 && i%3 == 0:
		do(domain.UnblockUser{Actor: op, User: id})
	case u.CanLogin && i%3 == 1:
		do(domain.RecordLogin{Actor: op, User: id, At: day.Add(time.Duration(i) * time.Hour)})
		do(domain.RecordLogin{Actor: op, User: id, At: day}) // older, recorded later: the latest stays
	}
}

func ptr[T any](v T) *T { return &v }

// The read model agrees with the write model on every user: status, role,
// kind, teams, leads, version and all three capabilities.
func TestTheReadModelAgreesWithTheWriteModelUnderEveryPreset(t *testing.T) {
	for _, preset := range domain.PresetNames() {
		t.Run(preset, func(t *testing.T) {
			w := projectiontest.New(t)
			state, last := history(w, preset)
			w.WaitFor(w.Project(tenants.New(), users.New()), last, tenants.Table, users.Table)
			page, _, total, err := users.List(ctx, w.Pool, users.Filter{Tenant: "acme", Limit: 500})
			if err != nil || total != 25 || len(page) != 25 {
				t.Fatalf("list: %d of %d (%v)", len(page), total, err)
			}
			for _, got := range page {
				want, _ := state.User(got.ID)
				if got.Status != want.Status || got.Role != want.Role || got.Kind != want.Kind || got.Version != want.Version ||
					got.CanLogin != want.CanLogin || got.Assignable != want.Assignable || got.ConsumesSeat != want.ConsumesSeat ||
					!sameInstant(got.LastLoginAt, want.LastLoginAt) ||
					fmt.Sprint(got.Teams) != fmt.Sprint(want.Teams) || fmt.Sprint(got.Leads) != fmt.Sprint(want.Leads) {
					t.Errorf("%s: read %+v\nwrite %+v", got.ID, got, want)
				}
				if want.Status == domain.StatusDeleted && (got.Name != domain.DeletedUserName || got.Email != nil) {
					t.Errorf("%s is deleted but reads %q <%v>", got.ID, got.Name, got.Email)
				}
			}
		})
	}
}

// sameInstant reports whether a read model's instant (nil: none) is the
// write model's (zero: none).
func sameInstant(read *time.Time, write time.Time) bool {
	if read == nil {
		return write.IsZero()
	}
	return read.Equal(write)
}

func TestListsFilterSearchAndPageToTheLastPage(t *testing.T) {
	w := projectiontest.New(t)
	state, last := history(w, domain.PresetStrict)
	w.WaitFor(w.Project(tenants.New(), users.New()), last, tenants.Table, users.Table)
	yes := true
	for name, f := range map[string]users.Filter{
		"inactive":   {Status: domain.StatusInactive},
		"blocked":    {Status: domain.StatusBlocked},
		"deleted":    {Status: domain.StatusDeleted},
		"managers":   {Role: domain.RoleManager},
		"customers":  {Kind: domain.KindCustomer},
		"team red":   {Team: "red"},
		"search":     {Query: "PERSON u-1"},
		"e-mail":     {Query: "u-05@acme"},
		"assignable": {Assignable: &yes},
		"combined":   {Status: domain.StatusActive, Kind: domain.KindMember, Query: "person"},
		// LIKE's wildcards and escape are letters of a search like any
		// other: "u_0" and "u-0%" find no u-0x, a trailing backslash is no
		// error.
		"an underscore":     {Query: "u_0"},
		"a percent sign":    {Query: "u-0%"},
		"a backslash":       {Query: `u-0\`},
		"a search of 10 kB": {Query: strings.Repeat("é", 5120)},
		"a team of 10 kB":   {Team: strings.Repeat("t", 10240)},
	} {
		f.Tenant = "acme"
		want := expected(state, f)
		for _, limit := range []int{1, 2, 7, 500} {
			f.Limit, f.After = limit, ""
			var got []domain.UserID
			for pages := 0; ; pages++ {
				page, next, total, err := users.List(ctx, w.Pool, f)
				if err != nil || total != len(want) {
					t.Fatalf("%s: total %d, want %d (%v)", name, total, len(want), err)
				}
				for _, u := range page {
					got = append(got, u.ID)
				}
				if next == "" {
					break
				}
				f.After = next
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s, pages of %d: %v\nwant %v", name, limit, got, want)
			}
		}
	}
}

// The counts by status of a filter are, for each status, the total of the
// same filter with that status, and ListCounted's page is List's, its
// total (StatusCounts.Of) List's total.
func TestCountsByStatusAreEachStatussTotalUnderTheOtherFilters(t *testing.T) {
	w := projectiontest.New(t)
	state, last := history(w, domain.PresetStrict)
	w.WaitFor(w.Project(tenants.New(), users.New()), last, tenants.Table, users.Table)
	yes, no := true, false
	for name, f := range map[string]users.Filter{
		"everyone":       {},
		"active":         {Status: domain.StatusActive},
		"deleted":        {Status: domain.StatusDeleted},
		"managers":       {Role: domain.RoleManager},
		"customers":      {Kind: domain.KindCustomer},
		"team red":       {Team: "red"},
		"search":         {Query: "PERSON u-1"},
		"assignable":     {Assignable: &yes},
		"not assignable": {Assignable: &no},
		"combined":       {Status: domain.StatusBlocked, Kind: domain.KindMember, Query: "person"},
		"nobody":         {Query: "no such person"},
	} {
		f.Tenant, f.Limit = "acme", 7
		page, next, counts, err := users.ListCounted(ctx, w.Pool, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		listed, listedNext, total, err := users.List(ctx, w.Pool, f)
		if err != nil || fmt.Sprint(idsOfUsers(page)) != fmt.Sprint(idsOfUsers(listed)) || next != listedNext || counts.Of(f.Status) != total {
			t.Errorf("%s: counted page %v next %q total %d, List's %v next %q total %d (%v)",
				name, idsOfUsers(page), next, counts.Of(f.Status), idsOfUsers(listed), listedNext, total, err)
		}
		if len(counts) != 5 {
			t.Errorf("%s: counts %v, want every status of the domain", name, counts)
		}
		for _, status := range []domain.Status{domain.StatusInvited, domain.StatusActive, domain.StatusInactive, domain.StatusBlocked, domain.StatusDeleted} {
			each := f
			each.Status = status
			if want := len(expected(state, each)); counts[status] != want {
				t.Errorf("%s: %d %s, want %d", name, counts[status], status, want)
			}
			if name == "everyone" && counts[status] == 0 {
				t.Errorf("the history has no %s user: the counts are not all tested", status)
			}
		}
	}
}

func idsOfUsers(page []users.User) []domain.UserID {
	ids := []domain.UserID{}
	for _, u := range page {
		ids = append(ids, u.ID)
	}
	return ids
}

// expected computes a filter's answer from the write model.
func expected(s *domain.Tenant, f users.Filter) []domain.UserID {
	var ids []domain.UserID
	all := append([]domain.UserID{"owner"}, idsUpTo(24)...)
	for _, id := range all {
		u, _ := s.User(id)
		name := strings.ToLower("Person " + strings.ToUpper(string(id)) + " " + string(id) + "@acme.test")
		switch {
		case f.Status != "" && u.Status != f.Status, f.Role != "" && u.Role != f.Role, f.Kind != "" && u.Kind != f.Kind,
			f.Team != "" && !slices.Contains(u.Teams, domain.TeamID(f.Team)),
			f.Assignable != nil && u.Assignable != *f.Assignable,
			f.Query != "" && (u.Status == domain.StatusDeleted || !strings.Contains(name, strings.ToLower(f.Query))):
			continue
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func idsUpTo(n int) []domain.UserID {
	ids := make([]domain.UserID, n)
	for i := range ids {
		ids[i] = domain.UserID(fmt.Sprintf("u-%02d", i))
	}
	return ids
}
