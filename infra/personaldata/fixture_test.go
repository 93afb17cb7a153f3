package personaldata_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/personaldata"
	"github.com/rosterhq/roster/infra/pgstore"
	"github.com/rosterhq/roster/infra/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// deadline bounds every wait on a condition; it is a failure limit, not a pace.
const deadline = 20 * time.Second

// fixture is a fresh database with a checked master key, its inner event
// store and the sealing store over it.
type fixture struct {
	pool  *pgxpool.Pool
	inner *pgstore.Store
	key   personaldata.MasterKey
	store *personaldata.Store
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	pool := pgtest.NewPool(t)
	inner := pgstore.New(pool, pgstore.Options{})
	t.Cleanup(inner.Close)
	key := newKey(t)
	if err := personaldata.CheckMasterKey(context.Background(), pool, key); err != nil {
		t.Fatal(err)
	}
	return &fixture{pool: pool, inner: inner, key: key, store: personaldata.NewStore(inner, pool, key)}
}

func newKey(t testing.TB) personaldata.MasterKey {
	t.Helper()
	s, err := personaldata.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := personaldata.ParseMasterKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func stream(tenant string) string { return "tenant-" + tenant }

func newEvent(e domain.Event) eventstore.NewEvent {
	payload, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return eventstore.NewEvent{
		ID: uuid.NewString(), Type: e.EventType(), SchemaVersion: 1,
		Payload: payload, Metadata: []byte(`{"actor":"system"}`),
		OccurredAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func invited(user, email, name string) eventstore.NewEvent {
	return newEvent(domain.UserInvited{
		User: domain.UserID(user), PII: domain.PersonalData{Email: email, Name: name},
		EmailIndex: "ix-" + user, Role: domain.RoleMember, Kind: domain.KindMember,
	})
}

func passwordSet(user, hash string) eventstore.NewEvent {
	return newEvent(domain.PasswordSet{User: domain.UserID(user), PII: domain.PersonalData{PasswordHash: hash}})
}

func activated(user string) eventstore.NewEvent {
	return newEvent(domain.UserActivated{User: domain.UserID(user)})
}

func deleted(user string) eventstore.NewEvent {
	return newEvent(domain.UserDeleted{User: domain.UserID(user), Reason: "left the company"})
}

func (f *fixture) append(t testing.TB, stream string, expected eventstore.ExpectedVersion, events ...eventstore.NewEvent) eventstore.AppendResult {
	t.Helper()
	res, err := f.store.Append(context.Background(), stream, expected, events)
	if err != nil {
		t.Fatalf("append to %s: %v", stream, err)
	}
	return res
}

func (f *fixture) readStream(t testing.TB, stream string) []eventstore.RecordedEvent {
	t.Helper()
	events, err := f.store.ReadStream(context.Background(), stream, 0, 1000)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return events
}

// hasKey reports whether the data key of user of tenant exists.
func (f *fixture) hasKey(t testing.TB, tenant, user string) bool {
	t.Helper()
	var n int
	err := f.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM personal_data_keys WHERE tenant_id = $1 AND user_id = $2`, tenant, user).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// subscribed returns the first n events a new subscription delivers, waiting
// for them with a deadline.
func subscribed(t testing.TB, feed eventstore.Feed, n int) []eventstore.RecordedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	var got []eventstore.RecordedEvent
	errEnough := errors.New("enough")
	err := feed.Subscribe(ctx, eventstore.Position{}, func(_ context.Context, batch []eventstore.RecordedEvent) error {
		got = append(got, batch...)
		if len(got) >= n {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		t.Fatalf("subscription delivered %d of %d events: %v", len(got), n, err)
	}
	return got
}

// settledFeed waits until the feed has n events, then reads them with
// ReadAll and with a subscription.
func (f *fixture) settledFeed(t testing.TB, n int) (readAll, subscription []eventstore.RecordedEvent) {
	t.Helper()
	subscription = subscribed(t, f.store, n)
	readAll, err := f.store.ReadAll(context.Background(), eventstore.Position{}, 1000)
	if err != nil {
		t.Fatalf("read feed: %v", err)
	}
	if len(readAll) != n {
		t.Fatalf("ReadAll gives %d events, want %d", len(readAll), n)
	}
	return readAll, subscription
}

// piiOf decodes the personal data of an event.
func piiOf(t testing.TB, e eventstore.RecordedEvent) domain.PersonalData {
	t.Helper()
	var p struct {
		PII domain.PersonalData `json:"pii"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		t.Fatalf("event %s: %v", e.ID, err)
	}
	return p.PII
}

// parallel runs n copies of fn at once and returns their errors.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errs
}
