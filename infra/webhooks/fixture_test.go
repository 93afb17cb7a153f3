package webhooks_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/webhooks"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/publicevents"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var bg = context.Background()

// fastBackoff retries within milliseconds, so that tests see a whole
// schedule.
var fastBackoff = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond,
	160 * time.Millisecond}

// world is a database with the public event log, a master key, and the
// log lines written.
type world struct {
	url        string
	pool       *pgxpool.Pool
	key        personaldata.MasterKey
	encodedKey string
	logs       *lockedBuffer
	next       atomic.Uint64 // the last position appended
	// appending makes appends commit in the order of their positions, as
	// the log is written (a reader that saw a later one committed first
	// would pass over the earlier for good).
	appending sync.Mutex
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{url: pgtest.NewDatabase(t), logs: &lockedBuffer{}}
	w.key, w.encodedKey = newMasterKey(t)
	var err error
	if w.pool, err = pgxpool.New(bg, w.url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.pool.Close)
	// The log and the projectors' tables it is read with (its failures).
	if err := projections.Setup(bg, w.pool, publicevents.New()); err != nil {
		t.Fatal(err)
	}
	return w
}

// newMasterKey returns a fresh master key, and its encoding.
func newMasterKey(t testing.TB) (personaldata.MasterKey, string) {
	t.Helper()
	encoded, err := personaldata.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := personaldata.ParseMasterKey(encoded)
	if err != nil {
		t.Fatal(err)
	}
	return key, encoded
}

// options are the tests' defaults: loopback allowed, fast retries, logs kept.
func (w *world) options() webhooks.Options {
	return webhooks.Options{AllowPrivate: true, Timeout: 5 * time.Second, Backoff: fastBackoff, Poll: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

func (w *world) store(opts webhooks.Options) *webhooks.Store {
	return webhooks.NewStore(w.pool, w.key, opts)
}

// storeWithDefaults is the store with the tests' options.
func (w *world) storeWithDefaults() *webhooks.Store { return w.store(w.options()) }

// run runs a dispatcher over store until the test ends.
func run(t testing.TB, store *webhooks.Store) *webhooks.Dispatcher {
	t.Helper()
	d := webhooks.NewDispatcher(store)
	ctx, cancel := context.WithCancel(bg)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

// published is a public event as appended to the log.
type published struct {
	id, typ string
	at      eventstore.Position
	body    []byte
}

// publish appends a complete public event of tenant to the log.
func (w *world) publish(t testing.TB, tenant domain.TenantID, typ string) published {
	t.Helper()
	p, err := w.append(tenant, typ)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// append appends a complete public event of tenant to the log.
func (w *world) append(tenant domain.TenantID, typ string) (published, error) {
	w.appending.Lock()
	defer w.appending.Unlock()
	n := w.next.Add(1)
	p := published{id: fmt.Sprintf("evt-%s-%d", tenant, n), typ: typ, at: eventstore.Position{Commit: n, Prepare: n}}
	p.body = fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"/roster","type":%q,"subject":"u%d","tenant":%q,"data":{"n":%d}}`,
		p.id, typ, n, tenant, n)
	_, err := w.pool.Exec(bg, `INSERT INTO `+publicevents.Table+` (tenant_id, position_commit, position_prepare, event_id, type, subject, at, remaining, body)
VALUES ($1, $2, $3, $4, $5, 'u', now(), 0, $6)`, string(tenant), n, n, p.id, typ, p.body)
	return p, err
}

// publishMany appends n complete public events of tenant in one statement,
// as a bulk's commit does: a backlog at once.
func (w *world) publishMany(t testing.TB, tenant domain.TenantID, typ string, n int) {
	t.Helper()
	if _, err := w.appendMany(tenant, typ, n); err != nil {
		t.Fatal(err)
	}
}

// appendMany appends n complete public events of tenant in one statement,
// each as append writes it.
func (w *world) appendMany(tenant domain.TenantID, typ string, n int) ([]published, error) {
	return w.appendOfTypes(tenant, []string{typ}, n)
}

// appendOfTypes appends n complete public events of tenant in one
// statement, of types in turn.
func (w *world) appendOfTypes(tenant domain.TenantID, types []string, n int) ([]published, error) {
	w.appending.Lock()
	defer w.appending.Unlock()
	last := w.next.Add(uint64(n))
	first := last - uint64(n) + 1
	rows, err := w.pool.Query(bg, `INSERT INTO `+publicevents.Table+` (tenant_id, position_commit, position_prepare, event_id, type, subject, at, remaining, body)
SELECT $1, g, g, 'evt-' || $1 || '-' || g, t, 'u', now(), 0,
    convert_to(format('{"specversion":"1.0","id":"evt-%s-%s","source":"/roster","type":%s,"subject":"u%s","tenant":"%s","data":{"n":%s}}',
        $1, g, to_json(t), g, $1, g), 'UTF8')
FROM generate_series($3::bigint, $4::bigint) g, LATERAL (SELECT ($2::text[])[1 + g % cardinality($2::text[])] AS t) AS of_type
RETURNING event_id, position_commit, type, body`, string(tenant), types, first, last)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (published, error) {
		var p published
		err := row.Scan(&p.id, &p.at.Commit, &p.typ, &p.body)
		p.at.Prepare = p.at.Commit
		return p, err
	})
}

// deliveriesOf counts the rows of webhook_deliveries of endpoint id of
// tenant, whether or not the endpoint still exists.
func (w *world) deliveriesOf(t testing.TB, tenant domain.TenantID, id string) int {
	t.Helper()
	var n int
	if err := w.pool.QueryRow(bg, `SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2`,
		string(tenant), id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// endpoint creates an enabled endpoint of tenant at url for types.
func endpoint(t testing.TB, s *webhooks.Store, tenant domain.TenantID, url string, types ...string) (webhooks.Endpoint, webhooks.Secret) {
	t.Helper()
	e, secret, err := s.CreateEndpoint(bg, tenant, webhooks.NewEndpoint{URL: url, Types: types, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return e, secret
}

// received is one request a receiver got.
type received struct {
	at      time.Time
	header  http.Header
	body    []byte
	eventID string // the webhook-id
}

// receiver is a loopback test server that records every request and
// answers with answer(n) (n counts requests from 1).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func newReceiver(t testing.TB, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{at: time.Now(), header: r.Header.Clone(), body: body, eventID: r.Header.Get("webhook-id")})
		n := len(rc.got)
		rc.mu.Unlock()
		if rc.answer != nil {
			rc.answer(n, w, r)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// answering is a receiver's answer with a fixed status.
func answering(status int) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// ids are the distinct webhook-ids received, sorted.
func (rc *receiver) ids() []string {
	var ids []string
	for _, r := range rc.requests() {
		ids = append(ids, r.eventID)
	}
	return slices.Compact(slices.Sorted(slices.Values(ids)))
}

// eventually waits, up to a deadline, for done to hold, checking every few
// milliseconds (another goroutine or process changes what it reads).
func eventually(t testing.TB, within time.Duration, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// verify checks r's signature with the Standard Webhooks reference
// library under secret.
func verify(t testing.TB, secret webhooks.Secret, r received) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(string(secret))
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.body, r.header); err != nil {
		t.Fatalf("the reference library does not verify the delivery of %s: %v (signature %q)", r.eventID, err, r.header.Get("webhook-signature"))
	}
}

// deliveries reads an endpoint's whole delivery log.
func deliveries(t testing.TB, s *webhooks.Store, e webhooks.Endpoint) []webhooks.Delivery {
	t.Helper()
	var all []webhooks.Delivery
	var before eventstore.Position
	for {
		page, next, err := s.Deliveries(bg, e.Tenant, e.ID, webhooks.DeliveryPage{Before: before, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next.IsZero() {
			return all
		}
		before = next
	}
}

// lockedBuffer collects log lines from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// started is a world whose dispatcher (the tests' options, changed by
// tune) delivers tenant acme's events to one endpoint, at a receiver
// answering answer.
type started struct {
	*world
	s      *webhooks.Store
	rc     *receiver
	e      webhooks.Endpoint
	secret webhooks.Secret
}

func start(t testing.TB, tune func(*webhooks.Options), answer func(int, http.ResponseWriter, *http.Request)) started {
	t.Helper()
	w := newWorld(t)
	opts := w.options()
	if tune != nil {
		tune(&opts)
	}
	st := started{world: w, s: w.store(opts), rc: newReceiver(t, answer)}
	st.e, st.secret = endpoint(t, st.s, "acme", st.rc.URL)
	run(t, st.s)
	return st
}
