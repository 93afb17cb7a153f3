package natspublisher

import (
	"context"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
)

// session connects to NATS, makes sure of the stream, and publishes from
// where publishing left off (see resumeAfter) until something fails (its
// error) or ctx ends. It calls progressed after each checkpoint it stores.
func (p *Publisher) session(ctx context.Context, woken func() <-chan struct{}, progressed func()) error {
	conn, err := nats.Connect(p.opts.URL, nats.Name("roster"), nats.Timeout(p.opts.AckWait),
		nats.NoReconnect()) // a lost connection ends the session; Run reconnects with back-off
	if err != nil {
		return fmt.Errorf("natspublisher: connect: %w", err)
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, conn.Close)() // ends a publish waiting for its acknowledgement
	js, err := conn.JetStream(nats.MaxWait(p.opts.AckWait))
	if err != nil {
		return fmt.Errorf("natspublisher: jetstream: %w", err)
	}
	at, err := p.resumePoint(ctx, js)
	if err != nil {
		return err
	}
	publisher, err := p.streamPublisher(conn)
	if err != nil {
		return err
	}
	p.opts.Logger.Info("nats publisher: publishing", "server", conn.ConnectedUrlRedacted(), "stream", p.opts.Stream, "after", at.String())
	return p.publishFrom(ctx, publisher, at, woken, progressed)
}

// streamPublisher returns a Watermill publisher into the stream over conn:
// each publish names the event id as Nats-Msg-Id, and returns once
// JetStream has acknowledged it (or not in AckWait: an error), from the
// stream expected and no other.
func (p *Publisher) streamPublisher(conn *nats.Conn) (message.Publisher, error) {
	publisher, err := wmnats.NewPublisherWithNatsConn(conn, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream: wmnats.JetStreamConfig{
			TrackMsgId:     true, // Nats-Msg-Id: the message's UUID, which is the event id
			ConnectOptions: []nats.JSOpt{nats.MaxWait(p.opts.AckWait)},
			PublishOptions: []nats.PubOpt{nats.ExpectStream(p.opts.Stream)},
		},
	}, watermill.NewSlogLogger(p.opts.Logger))
	if err != nil {
		return nil, fmt.Errorf("natspublisher: watermill publisher: %w", err)
	}
	return publisher, nil
}

// publishFrom publishes the rows after at, batch by batch, storing the
// checkpoint after each batch's acknowledgements, then waits for more (for
// the channel of woken to close, or Poll).
func (p *Publisher) publishFrom(ctx context.Context, publisher message.Publisher, at eventstore.Position,
	woken func() <-chan struct{}, progressed func()) error {
	for {
		wake := woken() // before the read, so that no wake-up is lost
		events, err := readComplete(ctx, p.pool, at, p.opts.Batch)
		if err != nil {
			return err
		}
		if len(events) > 0 {
			published, err := publishAll(publisher, events)
			if published > 0 { // even when the rest failed: those need not be sent again
				at = events[published-1].Position
				if err := storeCheckpoint(ctx, p.pool, p.opts.Stream, at); err != nil {
					return err
				}
				progressed()
			}
			if err != nil {
				return err
			}
			if len(events) == p.opts.Batch {
				continue // more waiting
			}
		}
		if err := pause.Until(ctx, wake, p.opts.Poll); err != nil {
			return err
		}
	}
}
