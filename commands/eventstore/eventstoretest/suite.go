package eventstoretest

import (
	"context"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
)

// Harness is one fresh, empty store under test.
type Harness struct {
	Store eventstore.Store
	// AppendUncommitted appends in a transaction left open until commit is
	// called, so a test can commit an earlier append after a later one. Nil for
	// stores whose appends are atomic at the server (then no append can commit
	// out of order and the late-commit case does not arise).
	AppendUncommitted func(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []eventstore.NewEvent) (commit func(context.Context) error, err error)
	// EventIDsScopedToStream declares a store that recognises stored event
	// ids only within their stream (KurrentDB: at the expected version, or
	// from its idempotency cache when any version is expected), so that ids
	// reused in another stream are stored again. The partial-reuse case then
	// checks only reuse within the stream, and says so in the test log.
	EventIDsScopedToStream bool
}

// Run runs the whole contract. newHarness is called once per case and must
// give an empty store that no other case uses (cases run in parallel).
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"expected_version_is_enforced", testExpectedVersion},
		{"exactly_one_of_50_concurrent_appends_at_one_version_wins", testConcurrentSameVersion},
		{"concurrent_appends_expecting_any_all_land_without_gaps", testConcurrentAny},
		{"reappending_the_same_event_ids_is_a_no_op", testIdempotentReappend},
		{"reusing_some_event_ids_is_refused_and_writes_nothing", testPartialReuse},
		{"a_one_mebibyte_payload_round_trips", testLargePayload},
		{"events_round_trip_every_field", testRoundTrip},
		{"streams_and_feed_keep_order", testOrdering},
		{"subscription_catches_up_then_goes_live", testSubscribeCatchUpThenLive},
		{"subscription_starts_after_the_given_position", testSubscribeFromPosition},
		{"subscription_ends_with_the_handler_error", testSubscribeHandlerError},
		{"feed_never_skips_under_concurrent_writers", testFeedUnderConcurrentWriters},
		{"late_commit_is_never_skipped", testLateCommit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			if c.name == "late_commit_is_never_skipped" && h.AppendUncommitted == nil {
				t.Log("appends of this store are atomic at the server: no late commit can occur")
				return
			}
			c.run(t, h)
		})
	}
}
