package natspublisher_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/natspublisher"
)

// Every complete row reaches the stream once, in feed order, on
// roster.<tenant>.<type>, with its body unchanged; an incomplete row, and
// everything after it, waits until it is complete.
func TestEveryCompleteRowReachesTheStreamOnceInFeedOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rows := w.add(true, "acme", "globex", "acme", "initech", "globex")
	w.run(natspublisher.Options{})
	w.waitForCheckpoint(natspublisher.DefaultStream, rows[3].Position)
	w.assertStreamHolds(natspublisher.DefaultStream, rows[:4]) // not the incomplete one

	rows[4] = w.complete(rows[4])
	rows = append(rows, w.add(false, "initech", "acme")...)
	w.assertPublished(natspublisher.DefaultStream, rows)
}

// Rows the projector announces as it commits them (NOTIFY
// publicevents.Channel) are published at once, long before the next poll.
func TestAnnouncedRowsArePublishedAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rows := w.add(false, "acme")
	w.run(natspublisher.Options{Poll: time.Hour})
	w.waitForCheckpoint(natspublisher.DefaultStream, rows[0].Position) // it has read the log, and waits
	rows = append(rows, w.add(false, "globex")...)
	w.assertPublished(natspublisher.DefaultStream, rows)
}

// A publisher that crashed after its publishes were acknowledged, and
// before it stored its checkpoint, resumes after the stream's last event,
// which is one of the log's rows: it publishes none of them again, however
// long ago the crash was.
func TestARestartResumesAfterTheStreamsLastEventNotAnOldCheckpoint(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rows := w.add(false, "acme", "globex", "acme", "initech")
	w.crashAfterPublishing(rows, eventstore.Position{})
	rows = append(rows, w.add(false, "globex", "acme")...)
	w.run(natspublisher.Options{})
	w.assertPublished(natspublisher.DefaultStream, rows)
	w.awaitLog("INFO", "nats publisher: publishing")
	if !w.log.contains("after=" + rows[3].Position.String()) {
		t.Errorf("the publisher did not resume after the stream's last event, %s:\n%s", rows[3].Position, w.log)
	}
}

// When the stream's last message is not one of the log's rows (another
// deployment's, with a position of its own), the publisher resumes from its
// checkpoint: it publishes the rows after it again, and the stream drops
// them by their Nats-Msg-Id, holding each once.
func TestARestartFromAnOldCheckpointAddsNoDuplicates(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rows := w.add(false, "acme", "globex", "acme", "initech")
	w.crashAfterPublishing(rows, rows[0].Position)
	foreign := nats.NewMsg("roster.acme.user.invited.v1")
	foreign.Header.Set(nats.MsgIdHdr, "foreign-1")
	foreign.Header.Set(natspublisher.PositionHeader, "999999-999999")
	if _, err := w.nats.jetStream().PublishMsg(foreign); err != nil {
		t.Fatal(err)
	}
	rows = append(rows, w.add(false, "globex", "acme")...)
	w.run(natspublisher.Options{})
	w.assertPublished(natspublisher.DefaultStream, rows)
}

// crashAfterPublishing publishes rows, then sets the checkpoint back to at,
// as if the publisher had crashed after the acknowledgements and before
// storing its checkpoint.
func (w *world) crashAfterPublishing(rows []row, at eventstore.Position) {
	w.t.Helper()
	stop := w.run(natspublisher.Options{})
	w.waitForCheckpoint(natspublisher.DefaultStream, rows[len(rows)-1].Position)
	stop()
	if _, err := w.pool.Exec(context.Background(), `UPDATE nats_publisher_checkpoints SET position_commit = $1, position_prepare = $2`,
		at.Commit, at.Prepare); err != nil {
		w.t.Fatal(err)
	}
}

// The duplicate window is set on the stream, and an existing stream keeps
// the settings an operator gave it (here a size limit and another subject).
func TestTheStreamIsCreatedOrUpdatedKeepingTheOperatorsSettings(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	js := w.nats.jetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "EVENTS", Subjects: []string{"other.>"}, MaxBytes: 1 << 30,
		Storage: nats.FileStorage}); err != nil {
		t.Fatal(err)
	}
	rows := w.add(false, "acme")
	w.run(natspublisher.Options{Stream: "EVENTS", DuplicateWindow: 3 * time.Hour})
	w.waitForCheckpoint("EVENTS", rows[0].Position)
	info, err := js.StreamInfo("EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	if c := info.Config; c.Duplicates != 3*time.Hour || c.MaxBytes != 1<<30 || len(c.Subjects) != 2 {
		t.Errorf("stream EVENTS has duplicate window %s, MaxBytes %d, subjects %v; want 3h, 1 GiB, other.> and roster.>",
			c.Duplicates, c.MaxBytes, c.Subjects)
	}
	w.assertStreamHolds("EVENTS", rows)
	if w.checkpoint(natspublisher.DefaultStream) != (eventstore.Position{}) {
		t.Errorf("a checkpoint was stored for %s, which was not published to", natspublisher.DefaultStream)
	}
}
