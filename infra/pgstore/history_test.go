package pgstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
)

// sampleOfEveryType is one event of each registered type, naming "ann" and
// "bob" in every field that may hold a user.
var sampleOfEveryType = []domain.Event{
	domain.TenantCreated{Tenant: "acme", Name: "Acme", Preset: domain.PresetStrict},
	domain.TenantPolicyChanged{Preset: domain.PresetStrict},
	domain.SeatsChanged{Seats: 3},
	domain.UserInvited{User: "ann", Role: domain.RoleMember, Kind: domain.KindMember},
	domain.UserActivated{User: "ann"},
	domain.UserDeactivated{User: "ann"},
	domain.UserReactivated{User: "ann"},
	domain.UserBlocked{User: "ann", PreviousStatus: domain.StatusActive},
	domain.UserUnblocked{User: "ann", Status: domain.StatusActive},
	domain.SessionsRevoked{User: "ann", RevokedBefore: time.Now()},
	domain.UserLoggedIn{User: "ann", At: time.Now()},
	domain.RoleChanged{User: "ann", From: domain.RoleMember, To: domain.RoleAdmin},
	domain.PasswordSet{User: "ann"},
	domain.UserDeleted{User: "bob"},
	domain.TeamDefined{Team: "red", Name: "Red"},
	domain.TeamJoined{Team: "red", User: "ann"},
	domain.TeamLeft{Team: "red", User: "bob"},
	domain.TeamLeaderAssigned{Team: "red", Leader: "ann", Previous: "bob"},
	domain.TeamLeaderAssigned{Team: "red", Leader: "bob", Previous: "ann"},
	domain.WorkAssigned{Item: "job-1", Kind: "job", Assignee: "ann", Previous: "bob"},
	domain.OwnershipTransferred{From: "ann", To: "bob", Items: []domain.WorkItemID{"job-1"}},
	domain.CustomerEmailBlocked{User: "ann", EmailIndex: "x"},
	domain.CustomerEmailUnblocked{User: "bob", EmailIndex: "x"},
	domain.ProfileChanged{User: "ann", EmailIndex: "x"},
	domain.TeamDeleted{Team: "red"},                                                  // about no user
	domain.ScimConnectionCreated{Connection: "okta", Name: "Okta", TokenDigest: "d"}, // about no user
	domain.ScimConnectionRevoked{Connection: "okta"},
}

// ReadUserHistory's indexed selection is domain.InUserHistory, for every
// registered event type: the SQL that mirrors the domain has not drifted.
func TestReadUserHistorySelectsWhatTheDomainCallsTheUsersHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t, pgtest.NewPool(t), pgstore.Options{})
	requireEveryType(t)
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var batch []eventstore.NewEvent
	for i, e := range sampleOfEveryType {
		payload, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		version, _ := domain.SchemaVersion(e.EventType())
		batch = append(batch, eventstore.NewEvent{ID: uuid.NewString(), Type: e.EventType(), SchemaVersion: version,
			Payload: payload, OccurredAt: start.Add(time.Duration(i) * time.Second)})
	}
	if _, err := store.Append(ctx, "tenant-acme", eventstore.NoStream(), batch); err != nil {
		t.Fatal(err)
	}
	for _, user := range []domain.UserID{"ann", "bob", "cid"} {
		for _, until := range []time.Time{start.Add(time.Hour), start.Add(9 * time.Second)} {
			got, err := store.ReadUserHistory(ctx, "tenant-acme", string(user), until)
			if err != nil {
				t.Fatal(err)
			}
			if want := inHistory(user, start, until); !equalVersions(got, want) {
				t.Errorf("history of %s until %s: versions %v, want %v", user, until.Sub(start), versionsOf(got), want)
			}
		}
	}
}

// requireEveryType fails when a registered type has no sample, so that a
// new event naming users in a new field cannot slip past this test.
func requireEveryType(t *testing.T) {
	t.Helper()
	sampled := map[string]bool{}
	for _, e := range sampleOfEveryType {
		sampled[e.EventType()] = true
	}
	for _, name := range domain.EventTypes() {
		if !sampled[name] {
			t.Errorf("no sample of %s: add one naming users in every field that may hold one", name)
		}
	}
}

// inHistory is the stream versions of the samples in user's history that
// occurred until then, by the domain's rule.
func inHistory(user domain.UserID, start, until time.Time) []int64 {
	var out []int64
	for i, e := range sampleOfEveryType {
		if domain.InUserHistory(e, user) && !start.Add(time.Duration(i)*time.Second).After(until) {
			out = append(out, int64(i+1))
		}
	}
	return out
}

// versionsOf is the stream versions of events, in their order.
func versionsOf(events []eventstore.RecordedEvent) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.StreamVersion
	}
	return out
}

func equalVersions(events []eventstore.RecordedEvent, want []int64) bool {
	return slices.Equal(versionsOf(events), want)
}
