package projectionfeed

import (
	"context"
	"math"
	"slices"
	"sync"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections"
)

// historyPageSize is the most events of one page of history, and so of one
// catch-up batch (measured: pages of 4,000 caught up slower than of 1,000).
const historyPageSize = 1000

// historyPagesKept bounds the pages of history kept for subscriptions that
// come by later: about a megabyte each, read and decoded. It is also how far
// the fastest subscription may run ahead of the slowest (see next).
const historyPagesKept = 16

// history is the feed's past as the subscriptions of one Subscriber catch
// up over it: each full page is read once and decoded once, however many
// projectors pass over it. Catching up five read models used to read every
// page five times and decode it twice (a quarter of the database's time and
// half of the process's went there).
//
// Only full pages are kept, and they never change: the feed reads below
// the snapshot's xmin, and every event committed later sorts after them. A
// subscription whose position falls inside a kept page (it resumed from a
// checkpoint there) gets the rest of that page; from then on its pages line
// up with the others'.
//
// Projectors do not catch up at one pace: those interested in a few event
// types run far ahead of the users and audit projectors. A page is kept
// while one catching up has yet to pass it, and a subscription that would
// read a page beyond historyPagesKept such pages waits for the slowest to
// come closer. Without that, the fast ones ran more than the kept pages ahead,
// and each slow one read the feed again by itself: 3,751 reads for 1,000
// pages in the catch-up bench. The slowest never waits, so they all end.
type history struct {
	feed eventstore.Feed
	base context.Context // reads outlive the subscription that asked first

	mu      sync.Mutex
	pages   []*page          // oldest first
	cursors map[*cursor]bool // the subscriptions catching up
	moved   chan struct{}    // closed, and replaced, when a cursor moves or leaves
	waiting int              // subscriptions waiting for the slowest (for tests)
}

// cursor is where one subscription catching up over history has come to.
// (A field it must have: pointers to distinct zero-size values may be
// equal, and cursors are told apart by their pointers.)
type cursor struct{ at eventstore.Position }

// page is the events after a position, as one read of the feed returned them.
type page struct {
	after eventstore.Position
	ready chan struct{} // closed once records and err are set
	// records and err are set once, before ready closes.
	records []eventstore.RecordedEvent
	err     error

	decodeOnce sync.Once
	decoded    []projections.Event
}

// join starts a cursor at position after; leave must end it.
func (h *history) join(after eventstore.Position) *cursor {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cursors == nil {
		h.cursors, h.moved = map[*cursor]bool{}, make(chan struct{})
	}
	c := &cursor{at: after}
	h.cursors[c] = true
	return c
}

// leave ends c: it no longer holds pages back, nor is it waited for.
func (h *history) leave(c *cursor) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.cursors, c)
	h.changed()
}

// next returns the page that holds the events after position after, from
// index from on, for cursor c: a kept page, or one read now, the read shared
// with whoever asks for the same page meanwhile. A page that is not full is
// the caught-up end of history, where the live feed takes over; err is the
// read's error. A cursor that is not the slowest waits before it reads a
// page beyond historyPagesKept kept ones, until the slowest has moved.
func (h *history) next(ctx context.Context, c *cursor, after eventstore.Position) (p *page, from int, err error) {
	for {
		p, from, reader, wait := h.find(c, after)
		if wait != nil {
			if err := h.await(ctx, wait); err != nil {
				return nil, 0, err
			}
			continue
		}
		if reader {
			h.read(p)
		}
		select {
		case <-p.ready:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
		return p, from, p.err
	}
}

// await waits for the slowest cursor to move (wait closes), or for ctx.
func (h *history) await(ctx context.Context, wait <-chan struct{}) error {
	defer func() {
		h.mu.Lock()
		h.waiting--
		h.mu.Unlock()
	}()
	select {
	case <-wait:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// find moves c to after, then returns the kept page holding the events
// after it, and where in it they start; or a new page, added, that the
// caller must read (reader); or, when c may not read ahead yet, a channel to
// wait on before asking again.
func (h *history) find(c *cursor, after eventstore.Position) (p *page, from int, reader bool, wait <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.at != after {
		c.at = after
		h.changed()
	}
	for _, p := range h.pages {
		if p.after == after {
			return p, 0, false, nil
		}
		if i, ok := p.position(after); ok && i+1 < len(p.records) {
			return p, i + 1, false, nil
		}
	}
	if len(h.pages) >= historyPagesKept {
		if i := h.passed(); i >= 0 {
			h.pages = slices.Delete(h.pages, i, i+1)
		} else if h.slowest().Compare(after) < 0 {
			h.waiting++
			return nil, 0, false, h.moved
		}
	}
	p = &page{after: after, ready: make(chan struct{})}
	h.pages = append(h.pages, p)
	if len(h.pages) > 2*historyPagesKept { // the slowest reading alone, behind every kept page
		h.pages = slices.Delete(h.pages, 0, 1)
	}
	return p, 0, true, nil
}

// passed is the index of the oldest kept page that every cursor has passed,
// or -1. It runs with h.mu held.
func (h *history) passed() int {
	slowest := h.slowest()
	return slices.IndexFunc(h.pages, func(p *page) bool {
		select {
		case <-p.ready:
		default:
			return false // still being read
		}
		return len(p.records) > 0 && p.records[len(p.records)-1].Position.Compare(slowest) <= 0
	})
}

// changed wakes the cursors waiting for the slowest. It runs with h.mu held.
func (h *history) changed() {
	close(h.moved)
	h.moved = make(chan struct{})
}

// slowest is the position of the cursor farthest behind; with none, the
// farthest possible position. It runs with h.mu held.
func (h *history) slowest() eventstore.Position {
	least, any := eventstore.Position{}, false
	for c := range h.cursors {
		if !any || c.at.Compare(least) < 0 {
			least, any = c.at, true
		}
	}
	if !any {
		return eventstore.Position{Commit: math.MaxUint64, Prepare: math.MaxUint64}
	}
	return least
}

// position finds an event of a read page by its position.
func (p *page) position(at eventstore.Position) (int, bool) {
	select {
	case <-p.ready:
	default:
		return 0, false // still being read
	}
	return slices.BinarySearchFunc(p.records, at, func(r eventstore.RecordedEvent, at eventstore.Position) int {
		return r.Position.Compare(at)
	})
}

// read fills p from the feed. A page that is not full, or failed, is not
// kept: later asks must see the events committed since.
func (h *history) read(p *page) {
	p.records, p.err = h.feed.ReadAll(h.base, p.after, historyPageSize)
	if p.err != nil || !p.full() {
		h.mu.Lock()
		h.pages = slices.DeleteFunc(h.pages, func(q *page) bool { return q == p })
		h.mu.Unlock()
	}
	close(p.ready)
}

func (p *page) full() bool { return len(p.records) == historyPageSize }

// events returns the page's events from index from, as the projector with
// interest handles (nil: every event) sees them: fully decoded, once for all
// projectors, or with only the types it handles decoded.
func (p *page) events(from int, handles func(string) bool) []projections.Event {
	if handles != nil {
		return decodeAll(p.records[from:], handles)
	}
	p.decodeOnce.Do(func() { p.decoded = decodeAll(p.records, nil) })
	return p.decoded[from:]
}
