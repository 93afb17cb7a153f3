package kurrentdb

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands/eventstore"
)

// envelope is the custom metadata of a stored event: what the port carries
// beyond type and payload. The caller's metadata is kept byte for byte.
type envelope struct {
	SchemaVersion int             `json:"schema_version"`
	OccurredAt    time.Time       `json:"occurred_at"`
	Metadata      json.RawMessage `json:"metadata,omitempty"`
}

// emptyMetadata is what an event appended without metadata reads back as
// (as in the PostgreSQL store).
var emptyMetadata = []byte("{}")

// toEventData encodes one event for the client.
func toEventData(e eventstore.NewEvent) (esdb.EventData, error) {
	id, err := uuid.Parse(e.ID)
	if err != nil {
		return esdb.EventData{}, fmt.Errorf("event id %q is not a UUID", e.ID)
	}
	if e.Type == "" || !json.Valid(e.Payload) || (len(e.Metadata) > 0 && !json.Valid(e.Metadata)) {
		return esdb.EventData{}, fmt.Errorf("event %s: a type and JSON payload and metadata are required", e.ID)
	}
	meta := make([]byte, 0, 72+len(e.Metadata))
	meta = append(meta, `{"schema_version":`...)
	meta = strconv.AppendInt(meta, int64(e.SchemaVersion), 10)
	meta = append(meta, `,"occurred_at":"`...)
	// Microseconds, as PostgreSQL keeps them (the read models and the
	// feed's copy are there): a time reads back the same from either.
	meta = e.OccurredAt.UTC().Truncate(time.Microsecond).AppendFormat(meta, time.RFC3339Nano)
	meta = append(meta, '"')
	if len(e.Metadata) > 0 {
		meta = append(meta, `,"metadata":`...)
		meta = append(meta, e.Metadata...)
	}
	meta = append(meta, '}')
	return esdb.EventData{EventID: id, EventType: e.Type, ContentType: esdb.ContentTypeJson, Data: e.Payload, Metadata: meta}, nil
}

// fromRecorded decodes a stored event; stream is its Roster name.
func fromRecorded(stream string, r *esdb.RecordedEvent) (eventstore.RecordedEvent, error) {
	var env envelope
	if err := json.Unmarshal(r.UserMetadata, &env); err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("kurrentdb: event %s at %s/%d is not a Roster event: %v", r.EventID, r.StreamID, r.EventNumber, err)
	}
	meta := []byte(env.Metadata)
	if len(meta) == 0 {
		meta = emptyMetadata
	}
	return eventstore.RecordedEvent{
		Position:      eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare},
		StreamID:      stream,
		StreamVersion: int64(r.EventNumber) + 1,
		ID:            r.EventID.String(),
		Type:          r.EventType,
		SchemaVersion: env.SchemaVersion,
		Payload:       r.Data,
		Metadata:      meta,
		OccurredAt:    env.OccurredAt,
	}, nil
}

// revisionOf turns the port's expectation into KurrentDB's: version v is
// revision v-1, and version 0 is no stream.
func revisionOf(expected eventstore.ExpectedVersion) esdb.ExpectedRevision {
	switch {
	case expected.IsAny():
		return esdb.Any{}
	case expected.Version() == 0:
		return esdb.NoStream{}
	}
	return esdb.Revision(uint64(expected.Version() - 1))
}

// allPosition is where a read or subscription of $all starts.
func allPosition(p eventstore.Position) esdb.AllPosition {
	if p.IsZero() {
		return esdb.Start{}
	}
	return esdb.Position{Commit: p.Commit, Prepare: p.Prepare}
}
