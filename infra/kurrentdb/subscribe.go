package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
)

// Subscribe implements eventstore.Feed over SubscribeCheckpointed, leaving
// out the batches that only move the position.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func(context.Context, []eventstore.RecordedEvent) error) error {
	return s.SubscribeCheckpointed(ctx, after, func(ctx context.Context, batch []eventstore.RecordedEvent, _ eventstore.Position) error {
		if len(batch) == 0 {
			return nil
		}
		return handle(ctx, batch)
	})
}

// SubscribeCheckpointed runs SubscribeToAll from after (exclusive) with the
// feed's prefix filter and calls handle with consecutive batches and the
// position after each: the last event's, or a later one when the server's
// checkpoints passed over filtered-out events. A batch may then be empty;
// a caller that stores the position resumes from there without rescanning.
//
// When the subscription drops (the server closed it, the connection broke)
// it resubscribes from the last position handled, backing off while it
// keeps failing, so nothing is lost and nothing is delivered twice. It
// returns ctx.Err() when ctx ends and handle's error when handle fails.
func (s *Store) SubscribeCheckpointed(ctx context.Context, after eventstore.Position, handle func(context.Context, []eventstore.RecordedEvent, eventstore.Position) error) error {
	from := after
	wait := time.Duration(0)
	for {
		progressed, err := s.subscribeOnce(ctx, &from, handle)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var stop stopError
		if errors.As(err, &stop) {
			return stop.err
		}
		if progressed {
			wait = 0
		}
		wait = min(max(2*wait, 10*time.Millisecond), 2*time.Second)
		s.opts.Logger.Warn("kurrentdb: subscription dropped; resubscribing", "from", from.String(), "in", wait, "error", err)
		if err := pause.For(ctx, wait); err != nil {
			return err
		}
	}
}

// stopError ends SubscribeCheckpointed instead of resubscribing.
type stopError struct{ err error }

func (e stopError) Error() string { return e.err.Error() }

// item is one thing the subscription received, in order.
type item struct {
	event      *esdb.RecordedEvent
	checkpoint *esdb.Position
	dropped    error
}

// subscribeOnce runs one subscription until it drops or handle fails, and
// reports whether any position was handled.
func (s *Store) subscribeOnce(ctx context.Context, from *eventstore.Position, handle func(context.Context, []eventstore.RecordedEvent, eventstore.Position) error) (bool, error) {
	local, cancel := context.WithCancel(ctx)
	defer cancel()
	client := s.conn()
	sub, err := client.SubscribeToAll(local, esdb.SubscribeToAllOptions{From: allPosition(*from),
		Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: s.prefixes}})
	if err != nil {
		s.checkClosed(client, err)
		return false, fmt.Errorf("kurrentdb: subscribe to $all after %s: %w", *from, err)
	}
	items := make(chan item, s.opts.BatchSize)
	var receiving sync.WaitGroup
	receiving.Add(1)
	go func() {
		defer receiving.Done()
		receive(local, sub, items)
	}()
	defer func() {
		cancel()
		_ = sub.Close()
		receiving.Wait()
	}()
	progressed := false
	for {
		batch, pos, dropped, err := s.nextBatch(local, items, *from)
		if err != nil {
			return progressed, stopError{err}
		}
		if pos != *from {
			if err := handle(ctx, batch, pos); err != nil {
				return progressed, stopError{err}
			}
			*from, progressed = pos, true
		}
		if dropped != nil {
			return progressed, dropped
		}
	}
}

// receive passes what sub receives to items until it drops or ctx ends.
func receive(ctx context.Context, sub *esdb.Subscription, items chan<- item) {
	for {
		ev := sub.Recv()
		var it item
		switch {
		case ev.EventAppeared != nil:
			it.event = ev.EventAppeared.OriginalEvent()
		case ev.CheckPointReached != nil:
			it.checkpoint = ev.CheckPointReached
		case ev.SubscriptionDropped != nil:
			it.dropped = fmt.Errorf("kurrentdb: subscription dropped: %w", ev.SubscriptionDropped.Error)
		default: // caught up, fell behind: nothing to pass on
			continue
		}
		select {
		case items <- it:
		case <-ctx.Done():
			return
		}
		if it.dropped != nil {
			return
		}
	}
}

// nextBatch waits for the next item, then takes whatever else has already
// arrived, up to BatchSize events: a page while catching up, single events
// live. It returns the events after from, the position after them, and
// the drop that ended the subscription, if one did.
func (s *Store) nextBatch(ctx context.Context, items <-chan item, from eventstore.Position) ([]eventstore.RecordedEvent, eventstore.Position, error, error) {
	var batch []eventstore.RecordedEvent
	pos := from
	var it item
	select {
	case it = <-items:
	case <-ctx.Done():
		return nil, pos, ctx.Err(), nil
	}
	for {
		switch {
		case it.dropped != nil:
			return batch, pos, it.dropped, nil
		case it.checkpoint != nil:
			if cp := (eventstore.Position{Commit: it.checkpoint.Commit, Prepare: it.checkpoint.Prepare}); cp.Compare(pos) > 0 {
				pos = cp
			}
		case it.event != nil:
			e, at, err := s.feedEvent(it.event)
			if err != nil {
				return nil, pos, nil, err
			}
			if at.Compare(pos) > 0 { // never deliver an event twice
				pos = at
				if e != nil {
					batch = append(batch, *e)
				}
			}
		}
		if len(batch) >= s.opts.BatchSize {
			return batch, pos, nil, nil
		}
		select {
		case it = <-items:
		default:
			return batch, pos, nil, nil
		}
	}
}

// feedEvent decodes a subscription's event; nil when its stream is not the
// feed's (the server's filter should already have left it out).
func (s *Store) feedEvent(r *esdb.RecordedEvent) (*eventstore.RecordedEvent, eventstore.Position, error) {
	at := eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
	stream, ok := s.inFeed(r.StreamID)
	if !ok {
		return nil, at, nil
	}
	e, err := fromRecorded(stream, r)
	if err != nil {
		return nil, at, err
	}
	return &e, at, nil
}
