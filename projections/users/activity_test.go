package users_test

import (
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/tenants"
	"github.com/rosterhq/roster/projections/users"
)

// The row keeps the latest login — one recorded after a newer one does not
// move it back — and the instant of the user's latest transition into
// active, whichever event made it: an activation (an invitation that
// activates included), a reactivation, an unblock back to active. Leaving
// active keeps it; a user never active and never logged in has neither.
func TestTheRowKeepsTheLatestLoginAndWhenTheUserLastBecameActive(t *testing.T) {
	w := projectiontest.New(t)
	day := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	// at appends events and returns the instant of the last, the time the
	// projector takes for it (the event's occurred-at).
	var last eventstore.Position
	at := func(events ...domain.Event) time.Time {
		last = w.Append("acme", events...)
		return w.Now
	}
	type want struct {
		status      domain.Status
		lastLogin   *time.Time
		activeSince *time.Time
	}
	expected := map[domain.UserID]want{}

	at(invitation("ann"))
	annActive := at(domain.UserActivated{User: "ann"})
	at(domain.UserLoggedIn{User: "ann", At: day.Add(3 * time.Hour)})
	at(domain.UserLoggedIn{User: "ann", At: day.Add(time.Hour)}) // older, recorded later
	expected["ann"] = want{domain.StatusActive, ptr(day.Add(3 * time.Hour)), &annActive}

	at(invitation("dan"), domain.UserActivated{User: "dan"}, domain.UserDeactivated{User: "dan"})
	danBack := at(domain.UserReactivated{User: "dan"})
	expected["dan"] = want{domain.StatusActive, nil, &danBack}

	at(invitation("eve"), domain.UserActivated{User: "eve"}, domain.UserBlocked{User: "eve", PreviousStatus: domain.StatusActive})
	eveBack := at(domain.UserUnblocked{User: "eve", Status: domain.StatusActive})
	expected["eve"] = want{domain.StatusActive, nil, &eveBack}

	catActive := at(invitation("cat"), domain.UserActivated{User: "cat"}) // invited directly active
	at(domain.UserLoggedIn{User: "cat", At: day}, domain.UserDeactivated{User: "cat"},
		domain.UserBlocked{User: "cat", PreviousStatus: domain.StatusInactive}, domain.UserUnblocked{User: "cat", Status: domain.StatusInactive})
	expected["cat"] = want{domain.StatusInactive, &day, &catActive}

	at(invitation("bob"))
	expected["bob"] = want{domain.StatusInvited, nil, nil}

	w.WaitFor(w.Project(tenants.New(), users.New()), last, tenants.Table, users.Table)
	for id, want := range expected {
		got, found, err := users.Get(ctx, w.Pool, "acme", id)
		if err != nil || !found {
			t.Fatalf("%s: found %v (%v)", id, found, err)
		}
		if got.Status != want.status || !sameTime(got.LastLoginAt, want.lastLogin) || !sameTime(got.ActiveSince, want.activeSince) {
			t.Errorf("%s: status %s, last login %v, active since %v\nwant %s, %v, %v",
				id, got.Status, got.LastLoginAt, got.ActiveSince, want.status, want.lastLogin, want.activeSince)
		}
	}
}

// sameTime reports whether two optional instants are both absent or equal.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// Folding a login into the row of a user invited in the same batch keeps
// the later of the logins, as the SQL's greatest() does.
func TestALoginFoldedIntoANewRowKeepsTheLatest(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	got := users.New().ReduceBatch([]projections.Event{
		at(1, invitation("ann")),
		at(2, domain.UserActivated{User: "ann"}),
		at(3, domain.UserLoggedIn{User: "ann", At: day.Add(time.Hour)}),
		at(4, domain.UserLoggedIn{User: "ann", At: day}),
	})
	if len(got) != 2 {
		t.Fatalf("got %+v, want only the two new rows (user and search text)", got)
	}
	for column, want := range map[string]any{"status": "active", "version": int64(4), "last_login_at": day.Add(time.Hour),
		"active_since": at(2, nil).OccurredAt, "updated_at": at(4, nil).OccurredAt} {
		if v := value(t, got[0], column); v != want {
			t.Errorf("%s = %v, want %v", column, v, want)
		}
	}
}
