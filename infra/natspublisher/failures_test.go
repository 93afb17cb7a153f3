package natspublisher_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/infra/natspublisher"
	"github.com/rosterhq/roster/infra/pgtest"
)

// NATS down, when the publisher starts or midway (every connection cut),
// makes it warn and retry with back-off; rows stored meanwhile are
// published once NATS is back, and the stream, kept on disk, holds every
// row once, in order.
func TestNATSDownIsRetriedWithoutLosingARow(t *testing.T) {
	t.Parallel()
	for name, downAtStart := range map[string]bool{"at_start": true, "midway": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			rows := w.add(false, "acme", "globex")
			if downAtStart {
				w.nats.stop()
			}
			w.run(natspublisher.Options{})
			if !downAtStart {
				w.waitForCheckpoint(natspublisher.DefaultStream, rows[1].Position)
				w.nats.stop()
			}
			rows = append(rows, w.add(false, "acme", "initech")...)
			w.awaitLog("WARN", "nats publisher: failed; retrying")
			w.nats.start()
			rows = append(rows, w.add(false, "globex")...)
			w.assertPublished(natspublisher.DefaultStream, rows)
		})
	}
}

// PostgreSQL unreachable midway, and then a checkpoint stored whose reply
// is lost, make the publisher warn and retry; it publishes every row once,
// in order, all the same.
func TestPostgreSQLDownMidwayIsRetriedWithoutLosingARow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	proxy, url := pgtest.NewProxy(t, w.url)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	rows := w.add(false, "acme", "globex")
	w.runOn(pool, natspublisher.Options{})
	w.waitForCheckpoint(natspublisher.DefaultStream, rows[1].Position)
	proxy.Down()
	rows = append(rows, w.add(false, "acme", "initech")...)
	w.awaitLog("WARN", "nats publisher: failed; retrying")
	proxy.LoseReplyTo("INSERT INTO nats_publisher_checkpoints")
	proxy.Up()
	w.assertPublished(natspublisher.DefaultStream, rows)
	rows = append(rows, w.add(false, "globex")...)
	w.assertPublished(natspublisher.DefaultStream, rows)
}

// A row whose type would not make a valid subject stops the publisher
// before it, with an error in the log: it is never skipped, and nothing
// after it is published until it is corrected.
func TestARowThatCannotBePublishedStopsThePublisherBeforeIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rows := w.add(false, "acme", "globex", "acme")
	if _, err := w.pool.Exec(context.Background(), `UPDATE public_events_v1 SET type = 'user.*' WHERE event_id = $1`, rows[1].ID); err != nil {
		t.Fatal(err)
	}
	w.run(natspublisher.Options{})
	w.awaitLog("ERROR", "nats publisher: stopped at a row it cannot publish")
	if at := w.checkpoint(natspublisher.DefaultStream); at != rows[0].Position {
		t.Fatalf("the checkpoint is at %s, want %s, before the row that cannot be published", at, rows[0].Position)
	}
	w.assertStreamHolds(natspublisher.DefaultStream, rows[:1])
	if _, err := w.pool.Exec(context.Background(), `UPDATE public_events_v1 SET type = $1 WHERE event_id = $2`, rows[1].Type, rows[1].ID); err != nil {
		t.Fatal(err)
	}
	w.assertPublished(natspublisher.DefaultStream, rows)
}
