package projections

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// batchKey carries a message's decoded events in its context. The messages
// never leave the process (the feed is the durable log; Watermill is the
// in-process router), so handing the decoded batch over in memory spares a
// rebuild of a million events an encode and a decode of every one.
type batchKey struct{}

// NewMessage wraps a batch of events (non-empty, in feed order) in a message
// whose payload summarises it (for logs and failure reports) and whose
// context, derived from ctx, carries the events themselves.
func NewMessage(ctx context.Context, events []Event) *message.Message {
	first, last := events[0], events[len(events)-1]
	summary, _ := json.Marshal(map[string]any{ // a map of strings and ints cannot fail to encode
		"from": first.Position.String(), "to": last.Position.String(), "events": len(events),
	})
	msg := message.NewMessage(watermill.NewUUID(), summary)
	msg.Metadata.Set("from_position", first.Position.String())
	msg.Metadata.Set("to_position", last.Position.String())
	msg.Metadata.Set("events", strconv.Itoa(len(events)))
	msg.SetContext(context.WithValue(ctx, batchKey{}, events))
	return msg
}

// EventsOf returns the events a message made by NewMessage carries.
func EventsOf(msg *message.Message) ([]Event, error) {
	events, ok := msg.Context().Value(batchKey{}).([]Event)
	if !ok || len(events) == 0 {
		return nil, errors.New("projections: the message carries no events")
	}
	return events, nil
}
