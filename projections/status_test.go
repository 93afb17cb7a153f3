package projections_test

import (
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections"
)

// Advanced wakes whoever waits on one projector at its next progress, and
// at no other projector's.
func TestAdvancedClosesAtTheNamedProjectorsNextProgressOnly(t *testing.T) {
	t.Parallel()
	status := projections.NewStatus("public_events_v1", "users_v1")
	advanced := status.Advanced("public_events_v1")
	status.Start("users_v1", eventstore.Position{Commit: 1})
	select {
	case <-advanced:
		t.Fatal("closed at another projector's progress")
	default:
	}
	status.Start("public_events_v1", eventstore.Position{Commit: 1})
	select {
	case <-advanced:
	default:
		t.Fatal("still open after the projector's progress")
	}
	if next := status.Advanced("public_events_v1"); next == advanced {
		t.Error("the next wait got the channel already closed")
	}
	if (*projections.Status)(nil).Advanced("public_events_v1") != nil {
		t.Error("a nil Status gave a channel that could close")
	}
}
