package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/domain/domaintest"
	"github.com/rosterhq/roster/infra/wiring"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/readapi"
)

// recorded is a scenario stored one event per instant: event k (1-based)
// occurred at domaintest.Start + k seconds, so that every event boundary is
// an instant as_of can name.
type recorded struct {
	svc     *wiring.Services
	server  *httptest.Server
	events  []domain.Event
	deleted map[domain.UserID]bool // deleted by the end: erased at every instant
	users   []domain.UserID
}

// instant is when the k-th event (1-based) occurred.
func instant(k int64) time.Time { return domaintest.Start.Add(time.Duration(k) * time.Second) }

// recordScenario stores a ~500-event scenario of 16 users through the
// sealing store, as the service would, and serves the HTTP surface over it.
func recordScenario(t *testing.T) *recorded {
	t.Helper()
	svc, _, _ := freshServices(t, testAccess)
	pool, log := svc.Pool, quiet
	server := httptest.NewServer(wiring.Router(svc, pool, projections.NewStatus(), log))
	t.Cleanup(server.Close)
	const users = 16
	r := &recorded{svc: svc, server: server, deleted: map[domain.UserID]bool{}, users: []domain.UserID{domaintest.Owner, "nobody"}}
	for i := range users {
		r.users = append(r.users, domain.UserID(fmt.Sprintf("u-%d", i)))
	}
	for _, batch := range domaintest.Scenario(11, users, 500, svc.Key.BlindIndex().EmailIndex) {
		for _, e := range batch {
			r.store(t, e)
		}
	}
	return r
}

// store appends e alone, at the next instant.
func (r *recorded) store(t *testing.T, e domain.Event) {
	t.Helper()
	payload, err := domain.EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(domain.Metadata{Tenant: domaintest.Tenant, Actor: domain.OperatorActor()})
	version, _ := domain.SchemaVersion(e.EventType())
	k := int64(len(r.events)) + 1
	_, err = r.svc.Sealed.Append(bg, domain.TenantStream(domaintest.Tenant), eventstore.Exact(k-1), []eventstore.NewEvent{{
		ID: uuid.NewString(), Type: e.EventType(), SchemaVersion: version, Payload: payload, Metadata: meta, OccurredAt: instant(k)}})
	if err != nil {
		t.Fatal(err)
	}
	r.events = append(r.events, e)
	if d, ok := e.(domain.UserDeleted); ok {
		r.deleted[d.User] = true
	}
}

// liveUser is API.md's User for id in the live state (the full replay of
// the stream up to now), or nil when the user does not exist in it.
func (r *recorded) liveUser(s *domain.Tenant, id domain.UserID) map[string]any {
	v, found := s.User(id)
	if !found {
		return nil
	}
	var email any = domaintest.Email(id)
	name := domaintest.Name(id)
	if r.deleted[id] {
		email, name = nil, domain.DeletedUserName
	}
	var lastLogin any
	if !v.LastLoginAt.IsZero() {
		lastLogin = v.LastLoginAt.UTC().Format(time.RFC3339Nano)
	}
	return normalized(map[string]any{"id": id, "tenant": s.ID(), "email": email, "name": name, "role": v.Role, "kind": v.Kind,
		"last_login_at": lastLogin,
		"status":        v.Status, "teams": v.Teams, "leads": v.Leads, "can_login": v.CanLogin, "assignable": v.Assignable,
		"consumes_seat": v.ConsumesSeat, "version": v.Version,
		"created_at": instant(v.CreatedAt).Format(time.RFC3339Nano), "updated_at": instant(v.LastAt).Format(time.RFC3339Nano)})
}

// normalized is v as it comes back from a JSON round trip.
func normalized(v any) map[string]any {
	raw, _ := json.Marshal(v)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// pastUserOverHTTP is GET …/users/{id}?as_of=at, nil on 404.
func (r *recorded) pastUserOverHTTP(id domain.UserID, at time.Time) (map[string]any, error) {
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/tenants/acme/users/%s?as_of=%s", r.server.URL, id, at.Format(time.RFC3339Nano)), nil)
	req.Header.Set("Authorization", "Bearer op-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound && body["code"] == "not_found":
		return nil, nil
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s as of %s: %d %v", id, at, resp.StatusCode, body)
	}
	return body, nil
}

// pastUserInProcess is what the API's handler asks History, rendered alike.
func (r *recorded) pastUserInProcess(id domain.UserID, at time.Time) (map[string]any, error) {
	u, found, err := wiring.UserHistory(r.svc).UserAsOf(bg, domaintest.Tenant, id, at)
	if err != nil || !found {
		return nil, err
	}
	return normalized(u), nil
}

// boundary is the instant after one event and the live state of every
// user then (nil for those who do not exist).
type boundary struct {
	event int // 1-based
	about domain.Event
	live  map[domain.UserID]map[string]any
}

// boundaries replays the recorded stream in memory, one event at a time:
// the live state at every boundary.
func (r *recorded) boundaries() []boundary {
	live, out := &domain.Tenant{}, make([]boundary, 0, len(r.events))
	for k, e := range r.events {
		domain.Evolve(live, e)
		b := boundary{event: k + 1, about: e, live: map[domain.UserID]map[string]any{}}
		for _, id := range r.users {
			b.live[id] = r.liveUser(live, id)
		}
		out = append(out, b)
	}
	return out
}

// check compares, at one boundary, every user in process and, over HTTP,
// those the event is about plus one other, in turn.
func (r *recorded) check(t *testing.T, b boundary) {
	at := instant(int64(b.event))
	for i, id := range r.users {
		reads := []func(domain.UserID, time.Time) (map[string]any, error){r.pastUserInProcess}
		if domain.InUserHistory(b.about, id) || i == b.event%len(r.users) {
			reads = append(reads, r.pastUserOverHTTP)
		}
		for _, read := range reads {
			got, err := read(id, at)
			if err != nil || !reflect.DeepEqual(got, b.live[id]) {
				t.Errorf("after event %d (%s), %s as of %s (%v):\n got %v\nwant %v", b.event, b.about.EventType(), id, at, err, got, b.live[id])
			}
		}
	}
}

// The as_of reply equals the live state (the whole stream replayed in
// memory up to the instant) at every event boundary of a recorded
// ~500-event history with many users, teams, policy changes and deletions:
// replaying only a user's indexed history is exact. Every user is checked
// at every boundary through the API's History, and over HTTP those the
// event is about plus one other, in turn; four boundaries at a time.
func TestAsOfEqualsTheLiveStateAtEveryEventBoundary(t *testing.T) {
	t.Parallel()
	r := recordScenario(t)
	if got, err := r.pastUserOverHTTP(domaintest.Owner, instant(0)); got != nil || err != nil {
		t.Fatalf("before the tenant existed: %v %v", got, err)
	}
	work := make(chan boundary)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				r.check(t, b)
			}
		}()
	}
	for _, b := range r.boundaries() {
		work <- b
	}
	close(work)
	wg.Wait()
	t.Logf("checked %d event boundaries of %d users", len(r.events), len(r.users))
}

func TestAsOfAnswersInvalidNotFoundAndForbiddenLikeTheUserRead(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	whileActive := annLeaves(t, svc.Commands)
	mustHandleFn(t)(svc.Commands.InviteUser.Handle(bg, execution.Envelope{Tenant: "acme"}, commands.InviteUser{Actor: domain.OperatorActor(),
		User: "cora", Email: "cora@acme.example", Name: "Cora Customer", Role: domain.RoleMember, Kind: domain.KindCustomer,
		Password: "cora secret 1", Activate: true}))
	cora := expect(t, "customer login", call(t, server.URL, "POST", "/v1/tenants/acme/sessions", "",
		obj{"email": "cora@acme.example", "password": "cora secret 1"}), http.StatusCreated, "").str("token")
	users := "/v1/tenants/acme/users/"
	asOf := func(at time.Time) string { return "?as_of=" + at.Format(time.RFC3339Nano) }
	ann := expect(t, "ann while active", call(t, server.URL, "GET", users+"ann"+asOf(whileActive), "op-token", nil), http.StatusOK, "")
	if ann.Body["status"] != "active" || ann.Body["name"] != domain.DeletedUserName || ann.Body["email"] != nil {
		t.Errorf("ann while active: %s", ann.Raw)
	}
	now := expect(t, "ann in the future", call(t, server.URL, "GET", users+"ann"+asOf(time.Now().Add(time.Hour)), "op-token", nil), http.StatusOK, "")
	if now.Body["status"] != "deleted" {
		t.Errorf("ann an hour ahead: %s", now.Raw)
	}
	expect(t, "malformed as_of", call(t, server.URL, "GET", users+"ann?as_of=yesterday", "op-token", nil), http.StatusBadRequest, "invalid")
	expect(t, "empty as_of", call(t, server.URL, "GET", users+"ann?as_of=", "op-token", nil), http.StatusBadRequest, "invalid")
	expect(t, "before ann existed", call(t, server.URL, "GET", users+"ann"+asOf(whileActive.Add(-time.Hour)), "op-token", nil), http.StatusNotFound, "not_found")
	expect(t, "nobody", call(t, server.URL, "GET", users+"nobody"+asOf(whileActive), "op-token", nil), http.StatusNotFound, "not_found")
	expect(t, "another tenant", call(t, server.URL, "GET", "/v1/tenants/zeta/users/ann"+asOf(whileActive), "op-token", nil), http.StatusNotFound, "not_found")
	expect(t, "a customer reading ann", call(t, server.URL, "GET", users+"ann"+asOf(whileActive), cora, nil), http.StatusForbidden, "forbidden")
	expect(t, "a customer reading herself", call(t, server.URL, "GET", users+"cora"+asOf(time.Now()), cora, nil), http.StatusOK, "")
}

// behindStore is a history store whose copy of the event store (KurrentDB's,
// in PostgreSQL) never catches up.
type behindStore struct{ eventstore.StreamReader }

func (behindStore) ReadUserHistory(context.Context, string, string, time.Time) ([]eventstore.RecordedEvent, error) {
	return nil, fmt.Errorf("kurrentfeed: %w (%w)", eventstore.ErrFeedBehind, context.DeadlineExceeded)
}

// The read API's history reports a copy that is behind as lagging (504
// projection_lagging), not as an internal failure.
func TestAPastUserFromACopyThatIsBehindIsLagging(t *testing.T) {
	_, _, err := wiring.PastUsers(execution.NewHistory(behindStore{})).UserAsOf(bg, "acme", "ann", time.Now())
	if !errors.Is(err, readapi.ErrLagging) {
		t.Fatalf("got %v, want readapi.ErrLagging", err)
	}
}
