package documents_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/domain"
)

func render(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	ann    = domain.UserView{ID: "ann", Role: domain.RoleMember, Kind: domain.KindMember, Status: domain.StatusActive, Version: 3}
	person = domain.PersonalData{Email: "ann@acme.example", Name: "Ann Agent"}
	paris  = time.FixedZone("Paris", 3600)
)

// A user reads with every member of API.md's User: lists as [], never
// null; instants in UTC; last_login_at null for who never logged in.
func TestAUserHasEveryMemberOfTheContract(t *testing.T) {
	t.Parallel()
	got := render(t, documents.NewUser("acme", ann, person, time.Date(2026, 1, 2, 10, 0, 0, 5, paris), time.Date(2026, 1, 3, 10, 0, 0, 0, paris)))
	want := map[string]any{"id": "ann", "tenant": "acme", "email": "ann@acme.example", "name": "Ann Agent", "role": "member",
		"kind": "member", "status": "active", "teams": []any{}, "leads": []any{}, "can_login": false, "assignable": false,
		"consumes_seat": false, "created_at": "2026-01-02T09:00:00.000000005Z", "updated_at": "2026-01-03T09:00:00Z", "version": float64(3),
		"last_login_at": nil}
	if len(got) != len(want) {
		t.Fatalf("members %v, want %v", got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || jsonOf(t, g) != jsonOf(t, v) {
			t.Errorf("%s: %v, want %v", k, g, v)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// A deleted user, or one whose personal data is erased, reads as "Deleted
// user" with a null e-mail, whatever personal data is handed over.
func TestADeletedOrErasedPersonReadsAsDeletedUser(t *testing.T) {
	t.Parallel()
	deleted := ann
	deleted.Status = domain.StatusDeleted
	for name, u := range map[string]documents.User{
		"deleted, personal data still at hand": documents.NewUser("acme", deleted, person, time.Now(), time.Now()),
		"erased, any status":                   documents.NewUser("acme", ann, domain.PersonalData{Erased: true, Email: "x@y.z", Name: "X"}, time.Now(), time.Now()),
	} {
		if u.Name != domain.DeletedUserName || u.Email != nil {
			t.Errorf("%s: %q <%v>", name, u.Name, u.Email)
		}
	}
}

// Seats available are those purchased less those used, and never fewer
// than none.
func TestTheSeatsAvailableAreThosePurchasedLessThoseUsedAndNeverNegative(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ purchased, used, available int }{{5, 2, 3}, {5, 5, 0}, {3, 7, 0}, {0, 0, 0}} {
		got := documents.NewTenant(domain.TenantView{ID: "acme", Name: "Acme", Preset: domain.PresetStrict, Version: 4,
			SeatsPurchased: c.purchased, SeatsUsed: c.used}).Seats
		if got != (documents.Seats{Purchased: c.purchased, Used: c.used, Available: c.available}) {
			t.Errorf("%d purchased, %d used: %+v", c.purchased, c.used, got)
		}
	}
}

// A team without a leader and an unassigned work item read null there.
func TestNobodyReadsAsNull(t *testing.T) {
	t.Parallel()
	team := render(t, documents.NewTeam(domain.TeamView{ID: "red", Name: "Red"}))
	if team["leader"] != nil || jsonOf(t, team["members"]) != "[]" {
		t.Errorf("team %v", team)
	}
	item := render(t, documents.NewWorkItem(domain.WorkItemView{ID: "job-1", Kind: "job"}, time.Date(2026, 1, 1, 1, 0, 0, 0, paris)))
	if _, ok := item["assignee"]; !ok || item["assignee"] != nil || item["updated_at"] != "2026-01-01T00:00:00Z" {
		t.Errorf("work item %v", item)
	}
}
