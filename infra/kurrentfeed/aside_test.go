package kurrentfeed_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/projectionfeed/projectiontest"
)

// An event in KurrentDB that PostgreSQL refuses as it is (a payload with a
// \u0000 escape, which the copy's indexes cannot read) does not stop the
// copy: it is set aside in its place (its bytes kept, schema version 0,
// which no projector decodes, so its tenant's read models stop on it
// alone), and every event before and after it, of every tenant, is copied.
func TestAnEventPostgreSQLRefusesIsSetAsideNotAStopOfTheCopy(t *testing.T) {
	w := projectiontest.NewOnKurrentDB(t)
	w.Append("globex", domain.SeatsChanged{Seats: 1})
	payload := []byte(`{"team":"crew","name":"A\u0000B"}`)
	_, err := w.Store.Append(context.Background(), "tenant-acme", eventstore.Any(), []eventstore.NewEvent{{ID: uuid.NewString(),
		Type: "TeamDefined", SchemaVersion: 1, Payload: payload, Metadata: []byte(`{"tenant":"acme"}`), OccurredAt: w.Now}})
	if err != nil {
		t.Fatal(err)
	}
	last := w.Append("globex", domain.SeatsChanged{Seats: 2})
	defer w.RunIngester()()

	aside := copiedUpTo(t, w, last, 3)[1]
	var wrapped struct{ Payload string }
	if aside.SchemaVersion != 0 || json.Unmarshal(aside.Payload, &wrapped) != nil {
		t.Fatalf("the refused event was copied as %d %s, want it set aside", aside.SchemaVersion, aside.Payload)
	}
	if original, _ := base64.StdEncoding.DecodeString(wrapped.Payload); string(original) != string(payload) {
		t.Fatalf("the set-aside event keeps %q, want the original bytes", original)
	}
}

// An event whose own names, version or indexed fields the copy cannot keep
// as they are — a NUL in its type or stream, a schema version past
// PostgreSQL's integer (which would wrap to a version projectors decode),
// 10 kB in its stream, type or user id (over an index entry's limit) — is
// set aside as well, its original names wrapped: never a stop of the copy,
// nor taken for another version.
func TestAnEventWithUnstorableNamesOrVersionIsSetAsideToo(t *testing.T) {
	w := projectiontest.NewOnKurrentDB(t)
	const payload = `{"team":"crew","name":"Crew"}`
	foreign := func(stream, typ string, version int, payload string) {
		t.Helper()
		_, err := w.Store.Append(context.Background(), stream, eventstore.Any(), []eventstore.NewEvent{{ID: uuid.NewString(),
			Type: typ, SchemaVersion: version, Payload: []byte(payload), Metadata: []byte(`{"tenant":"acme"}`), OccurredAt: w.Now}})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Random, so that PostgreSQL cannot compress them under an index
	// entry's limit (about 2.7 kB).
	var random strings.Builder
	for random.Len() < 10_000 {
		random.WriteString(rand.Text())
	}
	long := random.String()
	w.Append("globex", domain.SeatsChanged{Seats: 1})
	foreign("tenant-acme", "Team\x00Defined", 1, payload)
	foreign("tenant-ac\x00me", "TeamDefined", 1, payload)
	foreign("tenant-acme", "TeamDefined", 1<<32+1, payload)
	foreign("tenant-acme-"+long, "TeamDefined", 1, `{"user":"u-1"}`)
	foreign("tenant-acme", "Team"+long, 1, payload)
	foreign("tenant-acme", "UserActivated", 1, `{"user":"`+long+`"}`)
	last := w.Append("globex", domain.SeatsChanged{Seats: 2})
	defer w.RunIngester()()

	wantStreams := []string{"tenant-acme", "tenant-ac\x00me", "tenant-acme", "tenant-acme-" + long, "tenant-acme", "tenant-acme"}
	wantTypes := []string{"Team\x00Defined", "TeamDefined", "TeamDefined", "TeamDefined", "Team" + long, "UserActivated"}
	for i, aside := range copiedUpTo(t, w, last, 8)[1:7] {
		var wrapped struct{ Stream, Type []byte }
		if aside.SchemaVersion != 0 || json.Unmarshal(aside.Payload, &wrapped) != nil {
			t.Errorf("%.40q of %.40q, schema %d, was copied as it is; want it set aside", aside.Type, aside.StreamID, aside.SchemaVersion)
			continue
		}
		if string(wrapped.Stream) != wantStreams[i] || string(wrapped.Type) != wantTypes[i] {
			t.Errorf("event %d set aside keeps stream %.40q and type %.40q; want the originals", i, wrapped.Stream, wrapped.Type)
		}
	}
}

// copiedUpTo waits, up to 20 s, for the copy to hold every event up to
// last, and checks that they are n.
func copiedUpTo(t *testing.T, w *projectiontest.World, last eventstore.Position, n int) []eventstore.RecordedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	copied, err := w.Store.ReadAll(ctx, eventstore.Position{}, 10)
	for err == nil && (len(copied) < n || copied[len(copied)-1].Position.Commit < last.Commit) {
		time.Sleep(10 * time.Millisecond) // the ingester's commits, in another goroutine, are the condition
		copied, err = w.Store.ReadAll(ctx, eventstore.Position{}, 10)
	}
	if err != nil || len(copied) != n {
		t.Fatalf("the copy holds %d events (%v), want all %d", len(copied), err, n)
	}
	return copied
}
