package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// pageAll follows next_cursor from path to the last page and returns every
// item id, failing on anything but 200.
func pageAll(t *testing.T, base, path string) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; pages < 1000; pages++ {
		u := base + path
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Items []struct {
				ID       string `json:"id"`
				Position string `json:"position"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		if status := getJSON(t, u, &page); status != http.StatusOK {
			t.Fatalf("%s: %d", u, status)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID+it.Position)
		}
		if page.Next == "" {
			return ids
		}
		cursor = page.Next
	}
	t.Fatalf("%s: no last page after 1000 pages", path)
	return nil
}

// Every filter of the list endpoints, paged through HTTP to the last page at
// several page sizes, gives what one unpaged request gives.
func TestListEndpointsFilterAndPageToTheLastPage(t *testing.T) {
	t.Parallel()
	h, server := readSide(t)
	createAcme(t, h)
	op, acme := domain.OperatorActor(), execution.Envelope{Tenant: "acme"}
	mustHandleFn(t)(h.DefineTeam.Handle(bg, acme, domain.DefineTeam{Actor: op, Team: "red", Name: "Red"}))
	roles := []domain.Role{domain.RoleAdmin, domain.RoleManager, domain.RoleMember}
	// last is the position of the very last command, so every read below
	// sees the same, final state (min_position is "at least", not "exactly").
	var last execution.Result
	for i := range 9 {
		id := domain.UserID(fmt.Sprintf("u-%d", i))
		kind := domain.KindMember
		if i%4 == 3 {
			kind = domain.KindCustomer
		}
		role := roles[i%3]
		if kind == domain.KindCustomer {
			role = domain.RoleMember
		}
		in := commands.InviteUser{Actor: op, User: id, Email: fmt.Sprintf("person%d@acme.example", i), Name: fmt.Sprintf("Person %d", i),
			Role: role, Kind: kind, Activate: i%3 != 0}
		if i%2 == 0 && kind == domain.KindMember {
			in.Teams = []domain.TeamID{"red"}
		}
		mustHandleFn(t)(h.InviteUser.Handle(bg, acme, in))
		last = mustHandleFn(t)(h.AssignWork.Handle(bg, acme, domain.AssignWork{Actor: op, Item: domain.WorkItemID(fmt.Sprintf("job-%d", i)), Kind: "job"}))
		if i%3 == 1 {
			last = mustHandleFn(t)(h.DeactivateUser.Handle(bg, acme, domain.DeactivateUser{Actor: op, User: id}))
		}
	}
	at := "min_position=" + last.Position.String()
	for _, filter := range []string{"", "status=active", "status=inactive", "status=invited", "role=manager", "kind=customer",
		"team=red", "q=PERSON%201", "q=person7%40acme", "assignable=true", "assignable=false", "status=active&kind=member&q=person"} {
		whole := pageAll(t, server.URL, "/v1/tenants/acme/users?limit=500&"+at+"&"+filter)
		for _, limit := range []int{1, 2, 3} {
			paged := pageAll(t, server.URL, fmt.Sprintf("/v1/tenants/acme/users?limit=%d&%s&%s", limit, at, filter))
			if !slices.Equal(paged, whole) {
				t.Fatalf("users?%s in pages of %d: %v, want %v", filter, limit, paged, whole)
			}
		}
	}
	for _, path := range []string{"/v1/tenants/acme/work?" + at + "&kind=job", "/v1/tenants/acme/work?" + at + "&assignee=unassigned",
		"/v1/tenants/acme/audit?" + at, "/v1/tenants/acme/audit?" + at + "&action=UserInvited", "/v1/tenants/acme/audit?" + at + "&target=u-1"} {
		whole := pageAll(t, server.URL, path+"&limit=500")
		if paged := pageAll(t, server.URL, path+"&limit=2"); !slices.Equal(paged, whole) || len(whole) == 0 {
			t.Fatalf("%s in pages of 2: %v, want %v", path, paged, whole)
		}
	}
}
