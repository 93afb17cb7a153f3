package users_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/users"
)

// at is event e at minute m of a fixed day.
func at(m int, e domain.Event) projections.Event {
	return projections.Event{Tenant: "acme", OccurredAt: time.Date(2026, 3, 1, 9, m, 0, 0, time.UTC), Data: e}
}

func invitation(user domain.UserID) domain.Event {
	return domain.UserInvited{User: user, Role: domain.RoleMember, Kind: domain.KindMember,
		PII: domain.PersonalData{Email: string(user) + "@acme.test", Name: "Person " + string(user)}}
}

// value is the named column's value in a users row loaded by COPY.
func value(t *testing.T, st projections.Statement, column string) any {
	t.Helper()
	if st.Copy == nil || st.Copy.Table != users.Table {
		t.Fatalf("%+v is not a new users row", st)
	}
	for i, c := range st.Copy.Columns {
		if c == column {
			return st.Copy.Values[i]
		}
	}
	t.Fatalf("no column %s in %v", column, st.Copy.Columns)
	return nil
}

func TestPlainChangesOfAUserInvitedInTheBatchAreFoldedIntoItsNewRow(t *testing.T) {
	t.Parallel()
	got := users.New().ReduceBatch([]projections.Event{
		at(1, invitation("ann")),
		at(2, domain.UserActivated{User: "ann"}),
		at(3, domain.RoleChanged{User: "ann", From: domain.RoleMember, To: domain.RoleAdmin}),
		at(4, domain.PasswordSet{User: "ann"}),
	})
	if len(got) != 2 || got[1].Copy == nil || got[1].Copy.Table != users.SearchTable {
		t.Fatalf("got %+v, want only the two new rows (user and search text)", got)
	}
	for column, want := range map[string]any{"status": "active", "role": "admin", "version": int64(4),
		"created_at": at(1, nil).OccurredAt, "updated_at": at(4, nil).OccurredAt} {
		if v := value(t, got[0], column); v != want {
			t.Errorf("%s = %v, want %v", column, v, want)
		}
	}
}

func TestChangesAfterAStatementAboutTheSameUserStayStatementsInOrder(t *testing.T) {
	t.Parallel()
	got := users.New().ReduceBatch([]projections.Event{
		at(1, invitation("ann")),
		at(2, domain.TeamJoined{User: "ann", Team: "red"}), // not a plain change: a statement
		at(3, domain.UserActivated{User: "ann"}),           // so this one must run after it
	})
	if len(got) != 4 || value(t, got[0], "status") != "invited" || value(t, got[0], "version") != int64(1) ||
		!strings.Contains(got[2].SQL, "array_append(teams") || !strings.Contains(got[3].SQL, "status = $4") || got[3].Args[3] != "active" {
		t.Fatalf("got %+v\nwant the invited row, its search text, the team statement, then the activation statement", got)
	}
}

func TestChangesOfUsersNotInvitedInTheBatchStayStatements(t *testing.T) {
	t.Parallel()
	p := users.New()
	batch := []projections.Event{at(1, invitation("ann")), at(2, domain.UserActivated{User: "bob"}),
		at(3, domain.TeamLeaderAssigned{Team: "red", Leader: "bob", Previous: "ann"}), at(4, domain.UserBlocked{User: "ann"})}
	got := p.ReduceBatch(batch)
	var want []projections.Statement
	for _, e := range batch {
		want = append(want, p.Reduce(e)...)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant Reduce of each event: %+v", got, want)
	}
}

func TestABatchOfOneEventIsReduceOfThatEvent(t *testing.T) {
	t.Parallel()
	p := users.New()
	for _, e := range []domain.Event{invitation("ann"), domain.UserActivated{User: "ann"}, domain.UserUnblocked{User: "ann", Status: domain.StatusInactive},
		domain.RoleChanged{User: "ann", To: domain.RoleManager}, domain.SessionsRevoked{User: "ann"}, domain.UserDeleted{User: "ann"},
		domain.TeamLeft{User: "ann", Team: "red"}, domain.TenantCreated{Tenant: "acme"}} {
		if got, want := p.ReduceBatch([]projections.Event{at(1, e)}), p.Reduce(at(1, e)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: batch %+v\nReduce %+v", e.EventType(), got, want)
		}
	}
}

// Applying a whole history as one folded batch leaves both tables exactly
// as applying it event by event does, under every preset.
func TestAFoldedBatchLeavesTheTablesAsEventByEventDoes(t *testing.T) {
	for _, preset := range domain.PresetNames() {
		t.Run(preset, func(t *testing.T) {
			w := projectiontest.New(t)
			_, last := history(w, preset)
			events := readHistory(t, w, last)
			batched, single := users.NewSuffixed("_batched"), users.NewSuffixed("_single")
			if err := projections.Setup(ctx, w.Pool, batched, single); err != nil {
				t.Fatal(err)
			}
			if err := projections.Apply(ctx, w.Pool, batched, events); err != nil {
				t.Fatal(err)
			}
			for _, e := range events {
				if err := projections.Apply(ctx, w.Pool, single, []projections.Event{e}); err != nil {
					t.Fatal(err)
				}
			}
			for i, table := range batched.Tables() {
				if got, want := dump(t, w, table), dump(t, w, single.Tables()[i]); got != want {
					t.Errorf("%s:\n%s\nevent by event:\n%s", table, got, want)
				}
			}
		})
	}
}

// readHistory reads the feed up to last, decoded as projectors see it.
func readHistory(t *testing.T, w *projectiontest.World, last eventstore.Position) []projections.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var events []projections.Event
	errRead := errors.New("read up to last")
	err := w.Store.Subscribe(ctx, eventstore.Position{}, func(_ context.Context, batch []eventstore.RecordedEvent) error {
		for _, r := range batch {
			e, err := projectionfeed.Decode(r)
			if err != nil {
				return err
			}
			events = append(events, e)
		}
		if events[len(events)-1].Position == last {
			return errRead
		}
		return nil
	})
	if !errors.Is(err, errRead) {
		t.Fatalf("reading the feed up to %s: %v", last, err)
	}
	return events
}

// dump renders a table's rows, in key order, as text.
func dump(t *testing.T, w *projectiontest.World, table string) string {
	t.Helper()
	rows, err := w.Pool.Query(ctx, fmt.Sprintf("SELECT t::text FROM %s t ORDER BY tenant_id, user_id", table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var row string
		if err := rows.Scan(&row); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		t.Fatalf("%s: %d rows (%v)", table, len(out), err)
	}
	return strings.Join(out, "\n")
}
