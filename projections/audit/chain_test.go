package audit_test

import (
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/audit"
)

// The vector below was computed independently of this package (Python's
// hashlib over the encoding the package doc specifies).
const (
	acmeGenesis = "dd3fd91fbd226a3a4efb6338b05a2ffcacd71c991fd4389915e0bd4c32f85590"
	vectorHash1 = "d569f80e50b338bea3ad505604ac59f0123e890c5c59f8c23f19a56832b9ab51"
	vectorHash2 = "749d3b8dee7d144b28cb48c3e125c9231b82e2465e69d684311e87360110c843"
	// canonical(vector event 2): 9 fields, each a 4-byte length then the bytes.
	vectorCanonical2 = "0000000461636d65" + "0000000134" +
		"00000024" + "30313930633665322d376133622d376330302d383030302d303030303030303030303032" +
		"0000001b" + "323032362d30332d30315431303a30303a30302e3030303030305a" +
		"0000000f" + "55736572446561637469766174656400000000" + "00000003616d79" + "00000000" + "000000027b7d"
)

// vector is two events of tenant acme: zed promotes amy (with a reason, at
// an instant with nanoseconds), then the operator deactivates her.
func vector() []projections.Event {
	return []projections.Event{
		{Position: eventstore.Position{Commit: 9, Prepare: 30}, Tenant: "acme", Version: 3, ID: "0190c6e2-7a3b-7c00-8000-000000000001",
			Type: "RoleChanged", OccurredAt: time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600)),
			Meta: domain.Metadata{Tenant: "acme", Actor: domain.UserActor("zed"), Reason: "promotion"},
			Data: domain.RoleChanged{User: "amy", From: domain.RoleMember, To: domain.RoleAdmin}},
		{Position: eventstore.Position{Commit: 9, Prepare: 31}, Tenant: "acme", Version: 4, ID: "0190c6e2-7a3b-7c00-8000-000000000002",
			Type: "UserDeactivated", OccurredAt: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
			Meta: domain.Metadata{Tenant: "acme", Actor: domain.OperatorActor()}, Data: domain.UserDeactivated{User: "amy"}},
	}
}

func record(t *testing.T, e projections.Event) audit.Record {
	t.Helper()
	r, ok := audit.RecordOf(e)
	if !ok {
		t.Fatalf("%s makes no audit record", e.Type)
	}
	return r
}

func TestTheChainReproducesAnIndependentlyComputedVector(t *testing.T) {
	t.Parallel()
	events := vector()
	genesis := audit.Genesis("acme")
	if genesis.String() != acmeGenesis {
		t.Fatalf("genesis of acme = %s, want %s", genesis, acmeGenesis)
	}
	h1 := audit.Chain(genesis, record(t, events[0]))
	h2 := audit.Chain(h1, record(t, events[1]))
	if h1.String() != vectorHash1 || h2.String() != vectorHash2 {
		t.Fatalf("chain = %s, %s; want %s, %s", h1, h2, vectorHash1, vectorHash2)
	}
	if got := hex.EncodeToString(record(t, events[1]).Canonical()); got != vectorCanonical2 {
		t.Fatalf("canonical encoding\n got %s\nwant %s", got, vectorCanonical2)
	}
}

func TestEveryHashedFieldChangesTheHash(t *testing.T) {
	t.Parallel()
	base := record(t, vector()[0])
	want := audit.Chain(audit.Genesis("acme"), base)
	for name, change := range map[string]func(*audit.Record){
		"tenant":  func(r *audit.Record) { r.Tenant = "acme2" },
		"version": func(r *audit.Record) { r.Version++ },
		"id":      func(r *audit.Record) { r.EventID += "x" },
		"at":      func(r *audit.Record) { r.At = r.At.Add(time.Microsecond) },
		"action":  func(r *audit.Record) { r.Action = "UserBlocked" },
		"actor":   func(r *audit.Record) { r.Actor = "" },
		"target":  func(r *audit.Record) { r.Target = "bob" },
		"reason":  func(r *audit.Record) { r.Reason = "promotio" },
		"details": func(r *audit.Record) { r.Details = []byte(`{"from":"member","to":"owner"}`) },
		// Length prefixes keep field boundaries: moving a byte across one changes the hash.
		"boundary": func(r *audit.Record) { r.Actor, r.Target = "zeda", "my" },
	} {
		r := base
		change(&r)
		if audit.Chain(audit.Genesis("acme"), r) == want {
			t.Errorf("changing the %s left the hash as it was", name)
		}
	}
	if audit.Chain(audit.Genesis("globex"), base) == want {
		t.Error("the genesis does not depend on the tenant")
	}
}

func TestCanonicalDetailsSortKeysWithoutWhitespaceOrHTMLEscapes(t *testing.T) {
	t.Parallel()
	got := audit.CanonicalJSON(map[string]any{"to": "a<b>&c", "from": "x\ny", "items": []string{"j2", "j1"}, "seats": 12, "none": nil})
	want := `{"from":"x\ny","items":["j2","j1"],"none":null,"seats":12,"to":"a<b>&c"}`
	if string(got) != want {
		t.Fatalf("canonical JSON\n got %s\nwant %s", got, want)
	}
}

// hashes reduces a batch with p prepared from heads and returns each
// row's hash, and the last hash per tenant (the heads of the next batch).
func hashes(t *testing.T, heads map[domain.TenantID]audit.Hash, events []projections.Event) ([]string, map[domain.TenantID]audit.Hash) {
	t.Helper()
	p := audit.New().Prepared(heads, events)
	next := map[domain.TenantID]audit.Hash{}
	for tenant, h := range heads {
		next[tenant] = h
	}
	var out []string
	for _, e := range events {
		st := p.Reduce(e)
		if len(st) != 1 || st[0].Copy == nil {
			t.Fatalf("%s → %+v", e.Type, st)
		}
		h, ok := st[0].Copy.Values[argHash].([]byte)
		if !ok || len(h) != 32 {
			t.Fatalf("%s: hash %v", e.Type, st[0].Copy.Values[argHash])
		}
		out = append(out, hex.EncodeToString(h))
		next[e.Tenant] = audit.Hash(h)
	}
	return out, next
}

// interleaved is a feed of two tenants' events.
func interleaved() []projections.Event {
	var events []projections.Event
	for i := range 10 {
		tenant := domain.TenantID([]string{"acme", "globex"}[i%3/2])
		events = append(events, projections.Event{Position: eventstore.Position{Commit: uint64(100 + i), Prepare: uint64(i)},
			Tenant: tenant, Version: int64(i), ID: fmt.Sprintf("e-%d", i), Type: "UserActivated",
			OccurredAt: time.Date(2026, 3, 1, 9, 0, i, 0, time.UTC), Meta: domain.Metadata{Tenant: tenant, Actor: domain.OperatorActor()},
			Data: domain.UserActivated{User: domain.UserID(fmt.Sprintf("u-%d", i))}})
	}
	return events
}

func TestTheChainIsTheSameHoweverTheFeedIsCutIntoBatches(t *testing.T) {
	t.Parallel()
	events := interleaved()
	whole, _ := hashes(t, nil, events)
	again, _ := hashes(t, nil, events)
	if fmt.Sprint(whole) != fmt.Sprint(again) {
		t.Fatal("reducing the same batch twice gave other hashes")
	}
	for _, cut := range []int{1, 3, 7, 9} {
		first, heads := hashes(t, nil, events[:cut])
		rest, _ := hashes(t, heads, events[cut:])
		if got := fmt.Sprint(append(first, rest...)); got != fmt.Sprint(whole) {
			t.Errorf("batches cut at %d: %s, want %s", cut, got, whole)
		}
	}
	if whole[0] == whole[1] || whole[0] != hex.EncodeToString(sliceOf(audit.Chain(audit.Genesis("acme"), record(t, events[0])))) {
		t.Errorf("the first entry does not chain from the genesis: %v", whole)
	}
}

func sliceOf(h audit.Hash) []byte { return h[:] }

func TestPersonalDataAndItsErasureLeaveTheHashAsItWas(t *testing.T) {
	t.Parallel()
	invited := func(pii domain.PersonalData) projections.Event {
		return projections.Event{Position: eventstore.Position{Commit: 5, Prepare: 5}, Tenant: "acme", Version: 2, ID: "e-2",
			Type: "UserInvited", OccurredAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
			Meta: domain.Metadata{Tenant: "acme", Actor: domain.UserActor("zed")},
			Data: domain.UserInvited{User: "bob", Role: domain.RoleMember, Kind: domain.KindMember, EmailIndex: "bob-index", PII: pii}}
	}
	before, _ := hashes(t, nil, []projections.Event{invited(domain.PersonalData{Email: "bob@acme.test", Name: "Bob"})})
	after, _ := hashes(t, nil, []projections.Event{invited(domain.PersonalData{Erased: true})})
	if before[0] != after[0] {
		t.Fatalf("erasing bob's personal data changed the entry's hash: %s → %s", before[0], after[0])
	}
}

func TestAnUnpreparedReducerLeavesTheHashNullForTheTableToRefuse(t *testing.T) {
	t.Parallel()
	e := vector()[0]
	st := audit.New().Reduce(e)
	if len(st) != 1 || st[0].Copy == nil {
		t.Fatalf("an unprepared Reduce gave %+v, want one row", st)
	}
	if h, _ := st[0].Copy.Values[argHash].([]byte); h != nil {
		t.Fatalf("an unprepared Reduce hashed its row (%x) as if it began the chain", h)
	}
}
