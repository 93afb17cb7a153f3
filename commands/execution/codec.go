package execution

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// eventIDNamespace scopes the deterministic event ids of idempotent requests.
var eventIDNamespace = uuid.MustParse("6f1d3c1e-8a52-4b7e-9c53-3f0e2d7a9b41")

// eventIDs names the events of one command. With an idempotency key they are
// derived from (tenant, the key's name within its caller's keys — see
// Envelope.idempotencyName — and index): a retry after a crash re-appends
// the same ids, which the store recognises instead of storing the events
// twice, and another caller's key never derives them. Otherwise they are
// random, time-ordered UUIDs (kind to the unique index).
func eventIDs(tenant domain.TenantID, keyName string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		if keyName != "" {
			name := string(tenant) + "\x00" + keyName + "\x00" + strconv.Itoa(i)
			ids[i] = uuid.NewSHA1(eventIDNamespace, []byte(name)).String()
			continue
		}
		ids[i] = uuid.Must(uuid.NewV7()).String()
	}
	return ids
}

// encodeEvents turns one command's decided events into events to append,
// all stamped with the same metadata and instant, each with its part.
func encodeEvents(events []domain.Event, meta domain.Metadata, keyName string, at time.Time) ([]eventstore.NewEvent, error) {
	ids := eventIDs(meta.Tenant, keyName, len(events))
	out := make([]eventstore.NewEvent, len(events))
	for i, e := range events {
		meta.Part = &domain.Part{Index: i, Of: len(events)}
		metaJSON, err := json.Marshal(meta)
		if err != nil {
			return nil, fmt.Errorf("execution: encode metadata: %w", err)
		}
		payload, err := domain.EncodeEvent(e)
		if err != nil {
			return nil, fmt.Errorf("execution: encode %s: %w", e.EventType(), err)
		}
		version, _ := domain.SchemaVersion(e.EventType()) // EncodeEvent refuses unregistered types
		out[i] = eventstore.NewEvent{ID: ids[i], Type: e.EventType(), SchemaVersion: version,
			Payload: payload, Metadata: metaJSON, OccurredAt: at}
	}
	return out, nil
}

// decodeEvent turns a stored event back into a domain event.
func decodeEvent(rec eventstore.RecordedEvent) (domain.Event, error) {
	e, err := domain.DecodeEvent(rec.Type, rec.SchemaVersion, rec.Payload)
	if err != nil {
		return nil, fmt.Errorf("execution: %s version %d: %w", rec.StreamID, rec.StreamVersion, err)
	}
	return e, nil
}
