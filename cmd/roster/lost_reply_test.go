package main

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/infra/wiring"
)

// serviceBehindProxy runs the service over a fresh database reached
// through a proxy the test can break.
func serviceBehindProxy(t *testing.T) (*wiring.Services, string, *pgtest.Proxy) {
	t.Helper()
	proxy, url := pgtest.NewProxy(t, pgtest.NewDatabase(t))
	_, key := newMasterKey(t)
	svc := servicesOn(t, poolFor(t, url), key, testAccess)
	server := serveAll(t, svc)
	expect(t, "create acme", call(t, server.URL, "POST", "/v1/tenants", "op-token", obj{"id": "acme", "name": "Acme", "seats": 10,
		"owner": obj{"email": "owner@acme.example", "name": "Owner", "password": "owner password"}}), http.StatusCreated, "")
	return svc, server.URL, proxy
}

// eventsInPostgreSQL reports whether this run keeps the events in
// PostgreSQL, and logs why a test of a lost append reply does not apply
// when they are in KurrentDB: appends then never pass the proxy in front of
// PostgreSQL (infra/kurrentdb tests a reply KurrentDB lost).
func eventsInPostgreSQL(t *testing.T) bool {
	if os.Getenv("ROSTER_EVENTSTORE") == "kurrentdb" {
		t.Log("the events are in KurrentDB: no append passes the proxy in front of PostgreSQL")
		return false
	}
	return true
}

// invitation is the body inviting user id.
func invitation(id string) obj {
	return obj{"id": id, "email": id + "@acme.example", "name": "Someone", "role": "member"}
}

// The finding of the outage: a command the database committed, whose reply
// was lost, was answered as a failure. It is outcome_unknown, and its
// retry with the same Idempotency-Key answers with its one outcome.
func TestACommandWhoseReplyWasLostIsOutcomeUnknownAndItsKeyedRetryAnswersItsOneOutcome(t *testing.T) {
	t.Parallel()
	if !eventsInPostgreSQL(t) {
		return
	}
	svc, base, proxy := serviceBehindProxy(t)
	proxy.LoseReplyTo("ann-lost") // the invitation's append names its user
	lost := call(t, base, "POST", "/v1/tenants/acme/users", "op-token", invitation("ann-lost"), "Idempotency-Key", "k1")
	if problem := commandAnswerProblem(lost); lost.code() != "outcome_unknown" || problem != "" {
		t.Fatalf("the invitation whose reply was lost: %d %s, want 503 outcome_unknown", lost.Status, lost.Raw)
	}
	if n := countCreations(t, svc, "acme")["acme UserInvited ann-lost"]; n != 1 {
		t.Fatalf("%d invitations stored, want the 1 whose reply was lost", n)
	}
	retried := expect(t, "the retry", call(t, base, "POST", "/v1/tenants/acme/users", "op-token", invitation("ann-lost"), "Idempotency-Key", "k1"), http.StatusCreated, "")
	if retried.str("id") != "ann-lost" || retried.Body["changed"] != true {
		t.Fatalf("the retry answered %s, want the invitation's own outcome", retried.Raw)
	}
	if n := countCreations(t, svc, "acme")["acme UserInvited ann-lost"]; n != 1 {
		t.Fatalf("%d invitations stored after the retry, want 1", n)
	}
}

// Without a key, the client cannot retry exactly: it is told to read the
// resource, and the resource shows the command was carried out.
func TestACommandWithoutAKeyWhoseReplyWasLostTellsTheClientToReadTheResource(t *testing.T) {
	t.Parallel()
	if !eventsInPostgreSQL(t) {
		return
	}
	_, base, proxy := serviceBehindProxy(t)
	proxy.LoseReplyTo("bob-lost")
	lost := call(t, base, "POST", "/v1/tenants/acme/users", "op-token", invitation("bob-lost"))
	if lost.Status != http.StatusServiceUnavailable || lost.code() != "outcome_unknown" || !strings.Contains(lost.str("detail"), "read the resource") {
		t.Fatalf("the invitation whose reply was lost: %d %s, want 503 outcome_unknown telling to read the resource", lost.Status, lost.Raw)
	}
	// The client has no position to wait for: it reads until the read
	// models show the user (they follow the store within milliseconds).
	deadline := time.Now().Add(20 * time.Second)
	for call(t, base, "GET", "/v1/tenants/acme/users/bob-lost", "op-token", nil).Status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the invitation whose reply was lost is not in the read models after 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A command refused for an outage is not recorded as the outcome of its
// key: once the database is back, its retry is carried out.
func TestACommandAnsweredUnavailableStoredNothingAndItsRetryIsCarriedOut(t *testing.T) {
	t.Parallel()
	svc, base, proxy := serviceBehindProxy(t)
	proxy.Down()
	down := call(t, base, "POST", "/v1/tenants/acme/users", "op-token", invitation("cy"), "Idempotency-Key", "k2")
	if problem := unavailableProblem(down); problem != "" {
		t.Fatalf("an invitation with the database down: %s", problem)
	}
	proxy.Up()
	if n := countCreations(t, svc, "acme")["acme UserInvited cy"]; n != 0 {
		t.Fatalf("%d invitations stored by a command answered unavailable", n)
	}
	// The first requests after an outage may meet pooled connections the
	// outage broke (503 again, as for any client retrying after
	// Retry-After); an outage recorded as the key's outcome would answer 503
	// for good.
	deadline := time.Now().Add(20 * time.Second)
	retry := call(t, base, "POST", "/v1/tenants/acme/users", "op-token", invitation("cy"), "Idempotency-Key", "k2")
	for retry.Status == http.StatusServiceUnavailable && time.Now().Before(deadline) {
		retry = call(t, base, "POST", "/v1/tenants/acme/users", "op-token", invitation("cy"), "Idempotency-Key", "k2")
	}
	expect(t, "the retry", retry, http.StatusCreated, "")
	if n := countCreations(t, svc, "acme")["acme UserInvited cy"]; n != 1 {
		t.Fatalf("%d invitations stored after the retry, want 1", n)
	}
}
