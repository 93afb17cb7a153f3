package pgstore

import (
	"context"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/pause"
	"github.com/rosterhq/roster/infra/wakeup"
)

// Subscribe implements eventstore.Feed. Reads that fail (PostgreSQL
// restarting, say) are retried with backoff rather than ending the
// subscription; only ctx and handle end it.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func(context.Context, []eventstore.RecordedEvent) error) error {
	s.listenOnce.Do(s.startListener)
	heldBackWait, failWait := time.Duration(0), time.Duration(0)
	for {
		woken := s.appended.Wait() // before the read, so no wake-up is lost
		events, heldBack, err := s.readPage(ctx, after, s.opts.BatchSize)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failWait = growWait(failWait, 10*time.Millisecond, 5*time.Second)
			s.opts.Logger.Warn("event feed read failed; retrying", "after", after.String(), "retry_in", failWait, "error", err)
			if err := pause.For(ctx, failWait); err != nil {
				return err
			}
			continue
		}
		failWait = 0
		if len(events) > 0 {
			if err := handle(ctx, events); err != nil {
				return err
			}
			after = events[len(events)-1].Position
			if len(events) == s.opts.BatchSize {
				continue // more history waiting
			}
		}
		wait := s.opts.IdlePoll
		if heldBack {
			heldBackWait = growWait(heldBackWait, time.Millisecond, s.opts.HeldBackPoll)
			wait = heldBackWait
		} else {
			heldBackWait = 0
		}
		if err := pause.Until(ctx, woken, wait); err != nil {
			return err
		}
	}
}

func growWait(current, least, most time.Duration) time.Duration {
	return min(max(current*2, least), most)
}

// announce wakes this process's subscribers at once and asks the notifier to
// tell other processes. Sending NOTIFY outside the append transaction matters:
// a transaction that notifies holds a database-wide lock through its commit,
// which would serialise every concurrent append's commit (and its WAL flush).
func (s *Store) announce() {
	s.appended.Fire()
	select {
	case s.notifyReqs <- struct{}{}:
	default: // a NOTIFY is already pending; it will cover this append too
	}
}

// notifyGap is the least time between two NOTIFYs: under heavy load one
// NOTIFY then covers many appends (a round trip and server work each saved),
// at the price of at most this much delay for other processes' subscribers.
const notifyGap = 2 * time.Millisecond

// runNotifier sends one NOTIFY per burst of local appends.
func (s *Store) runNotifier() {
	defer s.wg.Done()
	for {
		select {
		case <-s.background.Done():
			return
		case <-s.notifyReqs:
		}
		if _, err := s.pool.Exec(s.background, "SELECT pg_notify($1, $2)", notifyChannel, s.instance); err != nil && s.background.Err() == nil {
			s.opts.Logger.Warn("event notify failed; other processes fall back to polling", "error", err)
		}
		if pause.For(s.background, notifyGap) != nil {
			return
		}
	}
}

func (s *Store) startListener() {
	s.wg.Add(1)
	go s.runListener()
}

// runListener LISTENs on a dedicated connection and wakes local subscribers
// on every foreign notification. Whenever the connection breaks it wakes them
// too (notifications may have been lost meanwhile) and reconnects.
func (s *Store) runListener() {
	defer s.wg.Done()
	var backoff time.Duration
	for s.background.Err() == nil {
		err := s.listen()
		s.appended.Fire()
		if s.background.Err() != nil {
			return
		}
		backoff = growWait(backoff, 50*time.Millisecond, 5*time.Second)
		s.opts.Logger.Warn("event listener lost its connection; reconnecting", "retry_in", backoff, "error", err)
		if pause.For(s.background, backoff) != nil {
			return
		}
	}
}

func (s *Store) listen() error {
	return wakeup.Listen(s.background, s.pool.Config().ConnConfig.Copy(), notifyChannel, &s.appended,
		func(payload string) bool { return payload == s.instance })
}
