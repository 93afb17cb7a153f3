package projectionfeed

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// tenantStreamPrefix names the streams of tenants; other streams carry no
// events for projections.
const tenantStreamPrefix = "tenant-"

// Decode turns a stored event into what projectors see.
func Decode(rec eventstore.RecordedEvent) (projections.Event, error) {
	tenant, ok := strings.CutPrefix(rec.StreamID, tenantStreamPrefix)
	if !ok {
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
		Position:   projections.Position{Commit: rec.Position.Commit, Prepare: rec.Position.Prepare},
		Tenant:     domain.TenantID(tenant),
		Version:    rec.StreamVersion,
		ID:         rec.ID,
		Type:       rec.Type,
		OccurredAt: rec.OccurredAt,
		Meta:       meta,
		Data:       data,
	}, nil
}

// decodeAll decodes a batch for one projector; events it does not handle
// (handles non-nil and false) keep only their place in the feed.
func decodeAll(batch []eventstore.RecordedEvent, handles func(string) bool) ([]projections.Event, error) {
	events := make([]projections.Event, len(batch))
	for i, rec := range batch {
		if handles != nil && !handles(rec.Type) {
			events[i] = projections.Event{Position: projections.Position{Commit: rec.Position.Commit, Prepare: rec.Position.Prepare},
				Version: rec.StreamVersion, ID: rec.ID, Type: rec.Type, OccurredAt: rec.OccurredAt}
			continue
		}
		e, err := Decode(rec)
		if err != nil {
			return nil, err
		}
		events[i] = e
	}
	return events, nil
}
