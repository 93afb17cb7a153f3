package projectionfeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections"
)

var _ message.Subscriber = (*Subscriber)(nil)

// ErrPoison ends a subscription whose single event could not be applied
// and could not be set aside for its tenant either (see
// projections.IsolateFailures).
var ErrPoison = errors.New("projectionfeed: an event could not be applied")

// Subscriber delivers the feed to projectors; see the package comment.
type Subscriber struct {
	feed       eventstore.Feed
	checkpoint func(ctx context.Context, projector string) (eventstore.Position, error)
	interest   map[string]func(eventType string) bool // by projector; absent: every event
	status     *projections.Status                    // learns at once of events passed unapplied (see drain); may be nil
	linger     time.Duration                          // see checkpointLinger
	history    *history
	log        *slog.Logger

	closing context.CancelFunc
	running sync.WaitGroup
	base    context.Context

	tailMu sync.Mutex
	tail   *tail // the live feed the caught-up subscriptions share; nil when none follows
}

// NewSubscriber reads feed from each projector's checkpoint.
func NewSubscriber(feed eventstore.Feed, checkpoint func(context.Context, string) (eventstore.Position, error), log *slog.Logger) *Subscriber {
	base, closing := context.WithCancel(context.Background())
	return &Subscriber{feed: feed, checkpoint: checkpoint, log: log, base: base, closing: closing,
		history: &history{feed: feed, base: base}, linger: checkpointLinger}
}

// Subscribe starts delivering to the projector named topic from its
// checkpoint. The channel closes when ctx ends, Close is called, or the
// projector stops on a poison event.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	from, err := s.checkpoint(ctx, topic)
	if err != nil {
		return nil, err
	}
	ctx, cancel := mergeCancel(ctx, s.base)
	out := make(chan *message.Message)
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer cancel()
		defer close(out)
		after, err := s.catchUp(ctx, out, topic, eventstore.Position{Commit: from.Commit, Prepare: from.Prepare})
		if err == nil {
			err = s.follow(ctx, out, topic, after)
		}
		if ctx.Err() == nil {
			s.log.Error("projection subscription stopped", "projection", topic, "error", err)
		}
	}()
	return out, nil
}

// catchUp delivers the full pages of history after position after, read
// through the history shared by every subscription, and returns where the
// live feed takes over: at the first page that is not full, or at a read
// that failed (the feed's own subscription retries reads).
func (s *Subscriber) catchUp(ctx context.Context, out chan<- *message.Message, topic string, after eventstore.Position) (eventstore.Position, error) {
	c := s.history.join(after)
	defer s.history.leave(c)
	for {
		p, from, err := s.history.next(ctx, c, after)
		if err != nil || !p.full() {
			return after, ctx.Err()
		}
		if err := s.deliver(ctx, out, p.events(from, s.interest[topic])); err != nil {
			return after, err
		}
		after = p.records[len(p.records)-1].Position
	}
}

// deliver hands events over as one message and waits for the verdict; a
// nacked batch is retried event by event, a nacked single event is poison.
func (s *Subscriber) deliver(ctx context.Context, out chan<- *message.Message, events []projections.Event) error {
	msg := projections.NewMessage(ctx, events)
	select {
	case out <- msg:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-msg.Acked():
		return nil
	case <-msg.Nacked():
	case <-ctx.Done():
		return ctx.Err()
	}
	if len(events) == 1 {
		return fmt.Errorf("%w: %s (%s at %s)", ErrPoison, events[0].ID, events[0].Type, events[0].Position)
	}
	for i := range events {
		if err := s.deliver(ctx, out, events[i:i+1]); err != nil {
			return err
		}
	}
	return nil
}

// Close ends every subscription and waits for them.
func (s *Subscriber) Close() error {
	s.closing()
	s.running.Wait()
	return nil
}

// mergeCancel returns a context that ends with either parent.
func mergeCancel(ctx, other context.Context) (context.Context, context.CancelFunc) {
	merged, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(other, cancel)
	return merged, func() { stop(); cancel() }
}
