package projectionfeed

import (
	"encoding/json"
	"fmt"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Decode turns a stored event into what projectors see.
func Decode(rec eventstore.RecordedEvent) (projections.Event, error) {
	tenant, ok := domain.TenantOfStream(rec.StreamID)
	if !ok { // other streams carry no events for projections
		return projections.Event{}, fmt.Errorf("projectionfeed: %s is not a tenant stream", rec.StreamID)
	}
	data, err := domain.DecodeEvent(rec.Type, rec.SchemaVersion, rec.Payload)
	if err != nil {
		return projections.Event{}, fmt.Errorf("projectionfeed: %s version %d: %w", rec.StreamID, rec.StreamVersion, err)
	}
	var meta domain.Metadata
	if err := json.Unmarshal(rec.Metadata, &meta); err != nil {
		return projections.Event{}, fmt.Errorf("projectionfeed: %s version %d metadata: %w", rec.StreamID, rec.StreamVersion, err)
	}
	return projections.Event{
		Position:   rec.Position,
		Tenant:     tenant,
		Version:    rec.StreamVersion,
		ID:         rec.ID,
		Type:       rec.Type,
		OccurredAt: rec.OccurredAt,
		Meta:       meta,
		Data:       data,
	}, nil
}

// decodeAll decodes a batch for one projector; events it does not handle
// (handles non-nil and false) keep only their place in the feed. An event
// that cannot be decoded comes with its DecodeErr set, and its tenant and
// place, so that applying it fails for its tenant alone.
func decodeAll(batch []eventstore.RecordedEvent, handles func(string) bool) []projections.Event {
	events := make([]projections.Event, len(batch))
	for i, rec := range batch {
		if handles != nil && !handles(rec.Type) {
			events[i] = placeOf(rec)
			continue
		}
		e, err := Decode(rec)
		if err != nil {
			e = placeOf(rec)
			e.Tenant, e.DecodeErr = tenantOf(rec), err
		}
		events[i] = e
	}
	return events
}

// placeOf is rec as an undecoded event: its place in the feed and stream.
func placeOf(rec eventstore.RecordedEvent) projections.Event {
	return projections.Event{Position: rec.Position,
		Version: rec.StreamVersion, ID: rec.ID, Type: rec.Type, OccurredAt: rec.OccurredAt}
}

// tenantOf is the tenant whose stream rec belongs to ("" for another stream).
func tenantOf(rec eventstore.RecordedEvent) domain.TenantID {
	tenant, _ := domain.TenantOfStream(rec.StreamID)
	return tenant
}
