package work_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/work"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

func event(data domain.Event) projections.Event {
	return projections.Event{Tenant: "acme", Data: data}
}

func TestTheReducerIsPureAndIgnoresWhatIsNotAboutWork(t *testing.T) {
	t.Parallel()
	p := work.New()
	got := p.Reduce(event(domain.WorkAssigned{Item: "job-1", Kind: "job", Assignee: "ann", Previous: "bob"}))
	if len(got) != 1 || !strings.HasPrefix(got[0].SQL, "INSERT INTO work_v1") || fmt.Sprint(got[0].Args[:4]) != "[acme job-1 job ann]" {
		t.Fatalf("WorkAssigned → %+v", got)
	}
	got = p.Reduce(event(domain.OwnershipTransferred{From: "ann", To: "", Items: []domain.WorkItemID{"job-1", "job-2"}}))
	if len(got) != 1 || !strings.HasPrefix(got[0].SQL, "UPDATE work_v1 SET assignee = NULLIF($3, '')") ||
		!strings.Contains(got[0].SQL, "item_id = ANY($2)") || fmt.Sprint(got[0].Args[:3]) != "[acme [job-1 job-2] ]" {
		t.Fatalf("OwnershipTransferred → %+v", got)
	}
	for _, ignored := range []domain.Event{domain.TenantCreated{}, domain.UserInvited{User: "ann"}, domain.UserDeleted{User: "ann"},
		domain.UserDeactivated{User: "ann"}, domain.TeamDefined{Team: "red"}, domain.TeamLeaderAssigned{Team: "red"}} {
		if got := p.Reduce(event(ignored)); len(got) != 0 {
			t.Errorf("%s → %d statements, want none", ignored.EventType(), len(got))
		}
	}
}

// history assigns, reassigns, unassigns and transfers work (to a user and to
// nobody), then deactivates hal (under commerce: work handed to the leader
// of hal's team, teams left) and deletes gus where the policy allows. It
// returns the write model, the last position and every item id, sorted.
func history(w *projectiontest.World, preset string) (*domain.Tenant, eventstore.Position, []domain.WorkItemID) {
	state := &domain.Tenant{}
	op := domain.OperatorActor()
	var last eventstore.Position
	do := func(cmd domain.Command) {
		events, err := domain.Decide(state, cmd)
		if err != nil {
			w.T.Fatalf("%T %+v: %v", cmd, cmd, err)
		}
		for _, e := range events {
			domain.Evolve(state, e)
		}
		if len(events) > 0 {
			last = w.Append("acme", events...)
		}
	}
	do(domain.CreateTenant{Actor: op, Tenant: "acme", Name: "Acme", Preset: preset, Seats: 100,
		Owner: domain.OwnerAccount{User: "owner", PII: domain.PersonalData{Email: "owner@acme.test", Name: "Owner"}, EmailIndex: "owner"}})
	people := []domain.UserID{"ann", "bob", "cat", "dan", "eve", "gus", "hal"}
	for _, id := range people {
		do(domain.InviteUser{Actor: op, User: id, PII: domain.PersonalData{Email: string(id) + "@acme.test", Name: string(id)},
			EmailIndex: string(id), Role: domain.RoleMember, Kind: domain.KindMember, Activate: true})
	}
	do(domain.DefineTeam{Actor: op, Team: "red", Name: "Red", Leader: ptr(domain.UserID("ann"))})
	do(domain.JoinTeam{Actor: op, Team: "red", User: "hal"})
	kinds := []string{"job", "conversation", "opportunity"}
	var items []domain.WorkItemID
	for i := range 24 {
		id := domain.WorkItemID(fmt.Sprintf("item-%02d", i))
		items = append(items, id)
		var to *domain.UserID
		if i%8 != 7 {
			to = &people[i%len(people)]
		}
		do(domain.AssignWork{Actor: op, Item: id, Kind: kinds[i%3], Assignee: to})
	}
	do(domain.AssignWork{Actor: op, Item: "item-00", Assignee: ptr(domain.UserID("eve"))})              // kind kept
	do(domain.AssignWork{Actor: op, Item: "item-01", Kind: "job", Assignee: ptr(domain.UserID("bob"))}) // kind only
	do(domain.AssignWork{Actor: op, Item: "item-02", Assignee: ptr(domain.Unassigned)})
	do(domain.AssignWork{Actor: op, Item: "item-07", Assignee: ptr(domain.UserID("dan"))})
	do(domain.TransferOwnership{Actor: op, From: "eve", To: "bob"})
	do(domain.TransferOwnership{Actor: op, From: "cat", To: domain.Unassigned})
	do(domain.TransferOwnership{Actor: op, From: "bob", To: "dan", Items: []domain.WorkItemID{"item-00", "item-08"}})
	do(domain.DeactivateUser{Actor: op, User: "hal", At: w.Now})
	if state.Policy().DeletionAllowed {
		do(domain.DeleteUser{Actor: op, User: "gus"})
	}
	return state, last, items
}

func ptr[T any](v T) *T { return &v }

// The read model agrees with the write model on every work item, under
// every preset; under commerce hal's work went to ann, red's leader.
func TestTheReadModelAgreesWithTheWriteModelUnderEveryPreset(t *testing.T) {
	for _, preset := range domain.PresetNames() {
		t.Run(preset, func(t *testing.T) {
			w := projectiontest.New(t)
			state, last, items := history(w, preset)
			w.WaitFor(w.Project(work.New()), last, work.Table)
			page, next, err := work.List(ctx, w.Pool, work.Filter{Tenant: "acme", Limit: 500})
			if err != nil || next != "" || len(page) != len(items) {
				t.Fatalf("list: %d items, next %q, want %d (%v)", len(page), next, len(items), err)
			}
			for _, got := range page {
				want, _ := state.WorkItem(got.ID)
				if got.Kind != want.Kind || got.Assignee != want.Assignee || got.Tenant != "acme" || got.UpdatedAt.IsZero() {
					t.Errorf("%s: read %+v\nwrite %+v", got.ID, got, want)
				}
			}
			if preset == domain.PresetCommerce {
				if held := state.WorkItemsOf("hal"); len(held) != 0 || !slices.Contains(state.WorkItemsOf("ann"), "item-06") {
					t.Fatalf("under commerce hal's item-06 should be ann's; hal holds %v", held)
				}
			}
		})
	}
}

func TestListsFilterAndPageToTheLastPage(t *testing.T) {
	w := projectiontest.New(t)
	state, last, items := history(w, domain.PresetCommerce)
	w.WaitFor(w.Project(work.New()), last, work.Table)
	for name, f := range map[string]work.Filter{
		"all":              {},
		"ann":              {Assignee: ptr("ann")},
		"bob":              {Assignee: ptr("bob")},
		"dan":              {Assignee: ptr("dan")},
		"nobody's":         {Assignee: ptr("cat")},
		"unassigned":       {Assignee: ptr("")},
		"jobs":             {Kind: "job"},
		"unassigned deals": {Assignee: ptr(""), Kind: "opportunity"},
		"dan's jobs":       {Assignee: ptr("dan"), Kind: "job"},
		"a kind of 10 kB":  {Kind: strings.Repeat("k", 10240)},
		"an id of 10 kB":   {Assignee: ptr(strings.Repeat("u", 10240))},
	} {
		f.Tenant = "acme"
		want := expected(state, items, f)
		for _, limit := range []int{1, 2, 500} {
			f.Limit, f.After = limit, ""
			var got []domain.WorkItemID
			for pages := 0; ; pages++ {
				page, next, err := work.List(ctx, w.Pool, f)
				if err != nil || len(page) > limit || pages > len(items) {
					t.Fatalf("%s, page %d of %d: %d items (%v)", name, pages, limit, len(page), err)
				}
				for _, it := range page {
					got = append(got, it.ID)
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

// expected computes a filter's answer from the write model.
func expected(s *domain.Tenant, items []domain.WorkItemID, f work.Filter) []domain.WorkItemID {
	var ids []domain.WorkItemID
	for _, id := range items {
		it, _ := s.WorkItem(id)
		if (f.Assignee == nil || string(it.Assignee) == *f.Assignee) && (f.Kind == "" || it.Kind == f.Kind) {
			ids = append(ids, id)
		}
	}
	return ids
}

// An assignment with kind "" keeps the kind; another tenant's items stay apart.
func TestAnAssignmentWithoutKindKeepsTheKind(t *testing.T) {
	w := projectiontest.New(t)
	w.Append("acme", domain.WorkAssigned{Item: "x", Kind: "job", Assignee: "ann"},
		domain.WorkAssigned{Item: "x", Kind: "", Assignee: "", Previous: "ann"})
	last := w.Append("other", domain.WorkAssigned{Item: "x", Kind: "deal", Assignee: "bob"})
	w.WaitFor(w.Project(work.New()), last, work.Table)
	page, next, err := work.List(ctx, w.Pool, work.Filter{Tenant: "acme", Limit: 10})
	if err != nil || next != "" || len(page) != 1 || page[0].Kind != "job" || page[0].Assignee != "" {
		t.Fatalf("acme's work: %+v (%v), want x, a job, unassigned", page, err)
	}
}
