package natspublisher

import (
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Headers of every message besides Nats-Msg-Id (the event id).
const (
	// ContentTypeHeader, of value ContentType, says the payload is a
	// CloudEvent in structured mode (the CloudEvents NATS binding), so a
	// CloudEvents SDK reads it as one. NATS headers are case-sensitive:
	// lower case, as the binding and CloudEvents' Go SDK spell it.
	ContentTypeHeader = "content-type"
	ContentType       = "application/cloudevents+json"
	// PositionHeader is the row's position in the feed ("<commit>-<prepare>",
	// the form of API replies' "position"), increasing along the stream.
	PositionHeader = "Roster-Position"
)

// unpublishableError is a row that cannot be sent (see Subject): the
// publisher stops before it, so that it is never skipped.
type unpublishableError struct{ err error }

func (e *unpublishableError) Error() string { return e.err.Error() }
func (e *unpublishableError) Unwrap() error { return e.err }

// publishAll publishes events one after the other, each acknowledged by
// JetStream before the next is sent, so that the stream receives them in
// feed order whatever fails. It returns how many, from the first, are
// stored: all of them unless it returns an error.
func publishAll(publisher message.Publisher, events []publicEvent) (int, error) {
	for i, e := range events {
		subject, err := Subject(e.Tenant, e.Type)
		if err != nil {
			return i, &unpublishableError{fmt.Errorf("event %s at %s: %w", e.ID, e.Position, err)}
		}
		msg := message.NewMessage(e.ID, e.Body)
		msg.Metadata.Set(ContentTypeHeader, ContentType)
		msg.Metadata.Set(PositionHeader, e.Position.String())
		if err := publisher.Publish(subject, msg); err != nil {
			return i, fmt.Errorf("natspublisher: publish event %s at %s: %w", e.ID, e.Position, err)
		}
	}
	return len(events), nil
}
