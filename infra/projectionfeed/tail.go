package projectionfeed

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/projections"
)

// tailQueue is how many live batches a follower may have waiting before it
// is let go to read by itself (its projector is slow, or waiting out an
// outage): the others never wait for it.
const tailQueue = 64

// tail is the live feed as the caught-up subscriptions of one Subscriber
// share it: one subscription to the feed, each batch read once, its
// personal data opened once and decoded once, then handed to every
// follower. Six projectors each subscribing on their own made six reads
// and six key look-ups per batch behind every command, most of the read
// side's round trips in the lag bench.
//
// A follower joins at its own position: at or after the tail's (it read by
// itself up to there), it gets the events after its position from the next
// batch on. One behind the tail reads by itself until it is not. A follower
// whose queue is full is let go, and reads by itself again from where it
// is, so the tail never waits for anyone.
type tail struct {
	cancel context.CancelFunc
	ended  chan struct{} // closed when the feed's subscription has ended

	mu        sync.Mutex
	at        eventstore.Position // the last event handed to the followers
	followers map[*follower]bool
	err       error // why the tail ended, once it has
}

// follower is one subscription following a tail.
type follower struct {
	batches chan []projections.Event // closed when the tail lets it go or ends
	err     error                    // set before batches closes: errFellBehind or the tail's end
}

// errFellBehind lets a follower go whose queue was full.
var errFellBehind = errors.New("projectionfeed: fell behind the shared live feed")

// join attaches a subscription at position after to the running tail,
// starting one there if none runs. It returns nil (and no error) when after
// is behind the tail: the caller reads by itself first. It fails with the
// error the tail ended on.
func (s *Subscriber) join(after eventstore.Position) (*follower, *tail) {
	s.tailMu.Lock()
	defer s.tailMu.Unlock()
	if s.tail == nil {
		s.tail = s.startTail(after)
	}
	t := s.tail
	t.mu.Lock()
	defer t.mu.Unlock()
	if after.Compare(t.at) < 0 && t.err == nil {
		return nil, t
	}
	f := &follower{batches: make(chan []projections.Event, tailQueue)}
	if t.err != nil {
		f.err = t.err
		close(f.batches)
		return f, t
	}
	t.followers[f] = true
	return f, t
}

// startTail subscribes to the feed after position from, for the followers
// to come. It runs with s.tailMu held.
func (s *Subscriber) startTail(from eventstore.Position) *tail {
	ctx, cancel := context.WithCancel(s.base)
	t := &tail{cancel: cancel, ended: make(chan struct{}), at: from, followers: map[*follower]bool{}}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		err := s.feed.Subscribe(ctx, from, func(_ context.Context, batch []eventstore.RecordedEvent) error {
			t.hand(decodeAll(batch, nil))
			return nil
		})
		if err == nil {
			err = errors.New("projectionfeed: the live feed ended")
		}
		t.end(err)
	}()
	return t
}

// hand queues events for every follower, letting go those whose queue is
// full.
func (t *tail) hand(events []projections.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.at = events[len(events)-1].Position
	for f := range t.followers {
		select {
		case f.batches <- events:
		default:
			t.release(f, errFellBehind)
		}
	}
}

// end lets every follower go with err and refuses new ones.
func (t *tail) end(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.err = err
	for f := range t.followers {
		t.release(f, err)
	}
	close(t.ended)
}

// release detaches f, telling it why. It runs with t.mu held.
func (t *tail) release(f *follower, why error) {
	delete(t.followers, f)
	f.err = why
	close(f.batches)
}

// leave detaches f, if the tail has not already; a tail left by its last
// follower stops, and the next subscription to join starts another.
func (s *Subscriber) leave(t *tail, f *follower) {
	s.tailMu.Lock()
	defer s.tailMu.Unlock()
	t.mu.Lock()
	if t.followers[f] {
		t.release(f, context.Canceled)
	}
	idle := len(t.followers) == 0
	t.mu.Unlock()
	if idle && s.tail == t {
		t.cancel()
		s.tail = nil
	}
}

// follow delivers the live feed after position after to the subscription of
// projector topic, through the shared tail, until ctx ends or delivery
// fails (a poison event). Behind the tail, it reads by itself; a read that
// cannot reach the database is retried with backoff.
func (s *Subscriber) follow(ctx context.Context, out chan<- *message.Message, topic string, after eventstore.Position) error {
	var wait time.Duration
	for {
		f, t := s.join(after)
		if f != nil {
			var err error
			after, err = s.drain(ctx, out, topic, t, f, after)
			if !errors.Is(err, errFellBehind) {
				return err
			}
			continue
		}
		records, err := s.feed.ReadAll(ctx, after, historyPageSize)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !unreachable(err):
			return err
		case err != nil || len(records) == 0:
			// The tail has read further than this read sees: a read that
			// failed, or (unlikely) a replica's lag. Wait, then read again.
			wait = min(max(2*wait, 10*time.Millisecond), 5*time.Second)
			if err := pause.For(ctx, wait); err != nil {
				return err
			}
			continue
		}
		wait = 0
		if err := s.deliver(ctx, out, decodeAll(records, s.interest[topic])); err != nil {
			return err
		}
		after = records[len(records)-1].Position
	}
}

// drain delivers f's batches, the events after position after of each, and
// returns the position reached and why it stopped: errFellBehind (the
// caller reads by itself again), the tail's end, the end of ctx, or a
// failed delivery.
//
// A batch of events the projector has no interest in is not delivered at
// once: the projector has nothing to write for it, only its checkpoint to
// move. Its status moves at once (its read model is already as it would be
// there), and its stored checkpoint with its next batch, or once it has
// lingered checkpointLinger. Half the projectors of a process are not
// interested in a given command's events, and each used to move its stored
// checkpoint in a transaction of its own behind every batch: 3 of the 9
// round trips of the read side per batch in the lag bench.
func (s *Subscriber) drain(ctx context.Context, out chan<- *message.Message, topic string, t *tail, f *follower, after eventstore.Position) (eventstore.Position, error) {
	defer s.leave(t, f)
	handles := s.interest[topic]
	var passed []projections.Event // of no interest, and not yet stored
	linger := time.NewTimer(s.linger)
	linger.Stop()
	defer linger.Stop()
	store := func(events []projections.Event) error {
		passed = nil
		linger.Stop()
		if len(events) == 0 {
			return nil
		}
		return s.deliver(ctx, out, events)
	}
	for {
		select {
		case <-ctx.Done():
			return after, ctx.Err()
		case <-linger.C:
			if err := store(passed); err != nil {
				return after, err
			}
		case events, open := <-f.batches:
			if open {
				events, open = coalesce(events, f.batches)
				mine, handled := newerThan(events, after, handles)
				switch {
				case len(mine) == 0:
				case !handled && len(passed)+len(mine) <= historyPageSize:
					if len(passed) == 0 {
						linger.Reset(s.linger)
					}
					passed = append(passed, mine...)
					s.status.Passed(topic, mine[len(mine)-1].Position)
				default:
					if err := store(append(passed, mine...)); err != nil {
						return after, err
					}
				}
				if len(mine) > 0 {
					after = mine[len(mine)-1].Position
				}
			}
			if !open {
				if err := store(passed); err != nil {
					return after, err
				}
				return after, f.err
			}
		}
	}
}

// checkpointLinger is how long a projector's stored checkpoint may stay
// behind events it has no interest in (see drain). The in-process status
// moves at once; another process waiting for the stored checkpoint polls it
// every checkpointPoll, of the same order.
const checkpointLinger = 20 * time.Millisecond

// coalesce is events followed by the batches waiting behind them, up to a
// page of history: a projector applies what queued while it applied the
// last delivery as one batch (one transaction), as it did reading the feed
// by itself. open is false once batches is closed.
func coalesce(events []projections.Event, batches <-chan []projections.Event) (all []projections.Event, open bool) {
	all = events
	for len(all) < historyPageSize {
		select {
		case more, ok := <-batches:
			if !ok {
				return all, false
			}
			if len(all) == len(events) {
				all = append(make([]projections.Event, 0, len(events)+len(more)), events...)
			}
			all = append(all, more...)
		default:
			return all, true
		}
	}
	return all, true
}

// newerThan is the events of a decoded batch after position after, as the
// projector with interest handles (nil: every event) sees them, and
// whether it handles any of them.
func newerThan(events []projections.Event, after eventstore.Position, handles func(string) bool) (mine []projections.Event, handled bool) {
	from := 0
	for from < len(events) && events[from].Position.Compare(after) <= 0 {
		from++
	}
	events = events[from:]
	if handles == nil || len(events) == 0 {
		return events, len(events) > 0
	}
	mine = make([]projections.Event, len(events))
	for i, e := range events {
		if handles(e.Type) {
			mine[i], handled = e, true
			continue
		}
		mine[i] = projections.Event{Position: e.Position, Version: e.Version, ID: e.ID, Type: e.Type, OccurredAt: e.OccurredAt}
	}
	return mine, handled
}
