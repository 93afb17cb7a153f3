package kurrentfeed_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
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

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	copied, err := w.Store.ReadAll(ctx, eventstore.Position{}, 10)
	for err == nil && (len(copied) < 3 || copied[len(copied)-1].Position.Commit < last.Commit) {
		time.Sleep(10 * time.Millisecond) // the ingester's commits, in another goroutine, are the condition
		copied, err = w.Store.ReadAll(ctx, eventstore.Position{}, 10)
	}
	if err != nil || len(copied) != 3 {
		t.Fatalf("the copy holds %d events (%v), want all 3", len(copied), err)
	}
	aside := copied[1]
	var wrapped struct{ Payload string }
	if aside.SchemaVersion != 0 || json.Unmarshal(aside.Payload, &wrapped) != nil {
		t.Fatalf("the refused event was copied as %d %s, want it set aside", aside.SchemaVersion, aside.Payload)
	}
	if original, _ := base64.StdEncoding.DecodeString(wrapped.Payload); string(original) != string(payload) {
		t.Fatalf("the set-aside event keeps %q, want the original bytes", original)
	}
}
