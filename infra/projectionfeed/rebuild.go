package projectionfeed

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections"
)

// catchUpPasses is how many times the rebuilt projectors chase the head:
// the first pass replays the history, the second the events stored during
// it, so what the live projectors must wait for at the swap is small.
const catchUpPasses = 2

// catchUp runs the rebuilt projectors (resuming from their checkpoints)
// until they have applied the head of the feed, catchUpPasses times over.
func (h *Host) catchUp(ctx context.Context, pairs []pair) error {
	rebuilt := make([]projections.Projector, len(pairs))
	names := make([]string, len(pairs))
	for i, p := range pairs {
		rebuilt[i], names[i] = p.rebuilt, p.rebuilt.Name()
	}
	status := projections.NewStatus()
	r, err := h.start(ctx, rebuilt, status)
	if err != nil {
		return err
	}
	defer r.stop()
	waiting, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-r.exited:
			cancel()
		case <-waiting.Done():
		}
	}()
	for range catchUpPasses {
		head, err := Head(waiting, h.cfg.Pool)
		if err == nil {
			err = status.WaitFor(waiting, head, names...)
		}
		if err != nil {
			return fmt.Errorf("projectionfeed: rebuild %v: %w", names, err)
		}
	}
	return nil
}

// Head is the position of the last event stored (zero: none), which the
// feed delivers once every transaction before it has ended.
func Head(ctx context.Context, db projections.DB) (eventstore.Position, error) {
	var at eventstore.Position
	err := db.QueryRow(ctx, `SELECT transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1`).
		Scan(&at.Commit, &at.Prepare)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventstore.Position{}, nil
	}
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("projectionfeed: head of the feed: %w", err)
	}
	return at, nil
}

// align brings the live and the rebuilt projectors of pairs, all stopped,
// to one position: the end of the feed as read now. Each applies, in
// batches of a page, the events after its own checkpoint — through Apply,
// so a crash here leaves each exactly at a checkpoint, and the next attempt
// goes on from there.
func (h *Host) align(ctx context.Context, pairs []pair) error {
	var all []projections.Projector
	for _, p := range pairs {
		all = append(all, p.live, p.rebuilt)
	}
	at := map[string]eventstore.Position{}
	after := eventstore.Position{}
	for i, p := range all {
		c, err := projections.LoadCheckpoint(ctx, h.cfg.Pool, p.Name())
		if err != nil {
			return err
		}
		at[p.Name()] = c.Position
		if i == 0 || c.Position.Compare(after) < 0 {
			after = c.Position
		}
	}
	for {
		page, err := h.cfg.Feed.ReadAll(ctx, eventstore.Position{Commit: after.Commit, Prepare: after.Prepare}, historyPageSize)
		if err != nil || len(page) == 0 {
			return err
		}
		for _, p := range all {
			if err := h.applyAfter(ctx, p, at, page); err != nil {
				return err
			}
		}
		last := page[len(page)-1].Position
		after = last
		if len(page) < historyPageSize {
			return nil
		}
	}
}

// applyAfter applies to p the events of page after its position in at, and
// moves it there.
func (h *Host) applyAfter(ctx context.Context, p projections.Projector, at map[string]eventstore.Position, page []eventstore.RecordedEvent) error {
	from := at[p.Name()]
	i := 0
	for i < len(page) && page[i].Position.Compare(from) <= 0 {
		i++
	}
	if i == len(page) {
		return nil
	}
	var handles func(string) bool
	if interested, ok := p.(projections.Interested); ok {
		handles = interested.Handles
	}
	events := decodeAll(page[i:], handles)
	if err := projections.ApplyIsolated(ctx, h.cfg.Pool, p, events, unreachable, h.cfg.Logger); err != nil {
		return err
	}
	at[p.Name()] = events[len(events)-1].Position
	return nil
}

// compare compares, for the rebuilds that ask for it, the rebuilt tables
// with the live ones (both at one position now) and records the outcome.
func (h *Host) compare(ctx context.Context, pairs []pair) error {
	for _, p := range pairs {
		if !p.rebuild.Verify {
			continue
		}
		differences, err := projections.CompareTables(ctx, h.cfg.Pool, p.live, p.rebuilt)
		if err != nil {
			return err
		}
		described := projections.DescribeDifferences(differences)
		if described == "" {
			h.cfg.Logger.Info("projections: the rebuild is identical to the live read model", "projection", p.live.Name())
		} else {
			h.cfg.Logger.Warn("projections: the rebuild differs from the live read model", "projection", p.live.Name(), "differences", described)
		}
		if err := projections.RecordDifferences(ctx, h.cfg.Pool, p.live.Name(), described); err != nil {
			return err
		}
	}
	return nil
}
