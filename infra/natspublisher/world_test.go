package natspublisher_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/natspublisher"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/publicevents"
)

func TestMain(m *testing.M) {
	if os.Getenv(childDatabaseEnv) != "" { // a process of the kill test: its database is given
		os.Exit(m.Run())
	}
	os.Exit(pgtest.Main(m))
}

// world is a fresh database holding the public event log, which the test
// fills as the projector would, and a NATS server.
type world struct {
	t    *testing.T
	url  string
	pool *pgxpool.Pool
	nats *natsServer
	log  *logBuffer
	next atomic.Uint64 // the last position given to a row
}

func newWorld(t *testing.T) *world {
	t.Helper()
	url := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return worldOn(t, url, pool)
}

// worldOn is a world on the database at url, which pool reaches.
func worldOn(t *testing.T, url string, pool *pgxpool.Pool) *world {
	t.Helper()
	w := &world{t: t, url: url, pool: pool, nats: startNATS(t), log: &logBuffer{}}
	// The log and the projectors' tables it is read with (its failures).
	if err := projections.Setup(context.Background(), pool, publicevents.New()); err != nil {
		t.Fatal(err)
	}
	return w
}

// row is a public event as the test stores and expects it.
type row struct {
	Position  eventstore.Position
	Tenant    string
	ID        string
	Type      string
	Remaining int
	Body      []byte
}

// add stores, each in its own transaction, a row per tenant given, in feed
// order, all complete but the last when incomplete is true.
func (w *world) add(incomplete bool, tenants ...string) []row {
	w.t.Helper()
	var rows []row
	for i, tenant := range tenants {
		r := w.newRow(tenant, incomplete && i == len(tenants)-1)
		w.insert(r)
		rows = append(rows, r)
	}
	return rows
}

// newRow is the next row of the log, of tenant, incomplete or not.
func (w *world) newRow(tenant string, incomplete bool) row {
	at := w.next.Add(1)
	r := row{Position: eventstore.Position{Commit: at, Prepare: at}, Tenant: tenant, ID: fmt.Sprintf("event-%d", at),
		Type: []string{"user.deactivated.v1", "user.invited.v1", "work.transferred.v1"}[at%3]}
	r.Body = fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"roster","type":%q,"tenant":%q}`, r.ID, r.Type, r.Tenant)
	if incomplete {
		r.Remaining = 2
	}
	return r
}

func (w *world) insert(r row) {
	w.t.Helper()
	if err := insertRow(w.pool, r); err != nil {
		w.t.Fatal(err)
	}
}

// insertRow stores r as the projector would: in a transaction of its own,
// which announces it (NOTIFY publicevents.Channel) as it commits.
func insertRow(pool *pgxpool.Pool, r row) error {
	return announcing(pool, `INSERT INTO `+publicevents.Table+`
(tenant_id, position_commit, position_prepare, event_id, type, at, remaining, body) VALUES ($1, $2, $3, $4, $5, now(), $6, $7)`,
		r.Tenant, r.Position.Commit, r.Position.Prepare, r.ID, r.Type, r.Remaining, r.Body)
}

// announcing runs sql with args, and NOTIFYs publicevents.Channel, in one
// transaction.
func announcing(pool *pgxpool.Pool, sql string, args ...any) error {
	return pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(context.Background(), sql, args...); err != nil {
			return err
		}
		_, err := tx.Exec(context.Background(), `SELECT pg_notify($1, '')`, publicevents.Channel)
		return err
	})
}

// complete marks r complete, as the projector does once its command's last
// event is in.
func (w *world) complete(r row) row {
	w.t.Helper()
	if err := completeRow(w.pool, r); err != nil {
		w.t.Fatal(err)
	}
	r.Remaining = 0
	return r
}

func completeRow(pool *pgxpool.Pool, r row) error {
	return announcing(pool, `UPDATE `+publicevents.Table+` SET remaining = 0
WHERE position_commit = $1 AND position_prepare = $2`, r.Position.Commit, r.Position.Prepare)
}

// run starts a publisher into the test's NATS server, stopped (and awaited)
// when the test ends or when the returned function is called.
func (w *world) run(opts natspublisher.Options) (stop func()) { return w.runOn(w.pool, opts) }

// runOn is run with the publisher reading and writing through pool.
func (w *world) runOn(pool *pgxpool.Pool, opts natspublisher.Options) (stop func()) {
	opts.URL = or(opts.URL, w.nats.URL())
	opts.Logger = slog.New(slog.NewTextHandler(w.log, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = natspublisher.New(pool, opts).Run(ctx)
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	w.t.Cleanup(stop)
	return stop
}

func or(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// checkpoint is the position the publisher stored for stream.
func (w *world) checkpoint(stream string) eventstore.Position {
	w.t.Helper()
	var at eventstore.Position
	err := w.pool.QueryRow(context.Background(), `SELECT coalesce(max(position_commit), 0), coalesce(max(position_prepare), 0)
FROM nats_publisher_checkpoints WHERE stream = $1`, stream).Scan(&at.Commit, &at.Prepare)
	if err != nil {
		w.t.Fatal(err)
	}
	return at
}

// waitForCheckpoint waits until the publisher has stored at as its checkpoint.
func (w *world) waitForCheckpoint(stream string, at eventstore.Position) {
	w.t.Helper()
	waitFor(w.t, "the checkpoint to reach "+at.String(), func() bool { return w.checkpoint(stream).Compare(at) >= 0 })
}

// assertPublished waits until the publisher has stored the last of rows as
// its checkpoint for stream, then checks that stream holds rows (see
// assertStreamHolds).
func (w *world) assertPublished(stream string, rows []row) {
	w.t.Helper()
	w.waitForCheckpoint(stream, rows[len(rows)-1].Position)
	w.assertStreamHolds(stream, rows)
}

// awaitLog waits for a line the publisher logs at level ("WARN") whose
// message begins with message.
func (w *world) awaitLog(level, message string) {
	w.t.Helper()
	waitFor(w.t, level+" "+message, func() bool { return w.log.contains("level=" + level + ` msg="` + message) })
}

// waitFor polls cond until it holds, failing the test after 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling state this test does not drive
	}
}

// logBuffer collects a publisher's log lines, safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) contains(s string) bool { return strings.Contains(b.String(), s) }

// streamed is one message of the stream, as a consumer reads it.
type streamed struct {
	Subject, ID, ContentType, Position string
	Body                               []byte
}

// stream reads every message of stream, in the stream's order.
func (w *world) stream(js nats.JetStreamContext, stream string) []streamed {
	w.t.Helper()
	info, err := js.StreamInfo(stream)
	if err != nil {
		w.t.Fatalf("stream %s: %v", stream, err)
	}
	var messages []streamed
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := js.GetMsg(stream, seq)
		if err != nil {
			w.t.Fatalf("stream %s, message %d: %v", stream, seq, err)
		}
		messages = append(messages, streamed{Subject: m.Subject, ID: m.Header.Get(nats.MsgIdHdr),
			ContentType: m.Header.Get(natspublisher.ContentTypeHeader), Position: m.Header.Get(natspublisher.PositionHeader), Body: m.Data})
	}
	return messages
}

// assertStreamHolds checks that stream holds the complete rows of want,
// each once, in order, as the publisher promises to send them, besides the
// messages the test published itself (ids foreign-…).
func (w *world) assertStreamHolds(stream string, want []row) {
	w.t.Helper()
	var got []streamed
	for _, m := range w.stream(w.nats.jetStream(), stream) {
		if !strings.HasPrefix(m.ID, "foreign-") {
			got = append(got, m)
		}
	}
	var complete []row
	for _, r := range want {
		if r.Remaining == 0 {
			complete = append(complete, r)
		}
	}
	for i := range max(len(got), len(complete)) {
		if i >= len(got) || i >= len(complete) {
			w.t.Fatalf("the stream holds %d messages, want %d (message %d differs)", len(got), len(complete), i+1)
		}
		r, m := complete[i], got[i]
		subject, _ := natspublisher.Subject(r.Tenant, r.Type)
		if m.Subject != subject || m.ID != r.ID || m.ContentType != natspublisher.ContentType ||
			m.Position != r.Position.String() || !bytes.Equal(m.Body, r.Body) {
			w.t.Fatalf("message %d of the stream is %+v (body %s), want event %s at %s on %s (body %s)",
				i+1, m, m.Body, r.ID, r.Position, subject, r.Body)
		}
	}
}
