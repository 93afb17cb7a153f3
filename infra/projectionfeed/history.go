package projectionfeed

import (
	"context"
	"slices"
	"sync"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections"
)

// historyPageSize is the most events of one page of history, and so of one
// catch-up batch (measured: pages of 4,000 caught up slower than of 1,000).
const historyPageSize = 1000

// historyPagesKept bounds the pages of history kept for subscriptions that
// come by later: about a megabyte each, read and decoded.
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
type history struct {
	feed eventstore.Feed
	base context.Context // reads outlive the subscription that asked first

	mu    sync.Mutex
	pages []*page // oldest first, at most historyPagesKept
}

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

// next returns the page that holds the events after position after, from
// index from on: a kept page, or one read now, the read shared with whoever
// asks for the same page meanwhile. A page that is not full is the caught-up
// end of history, where the live feed takes over; err is the read's error.
func (h *history) next(ctx context.Context, after eventstore.Position) (p *page, from int, err error) {
	p, from, reader := h.find(after)
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

// find returns the kept page holding the events after after, and where in
// it they start; or a new page, added, that the caller must read (reader).
func (h *history) find(after eventstore.Position) (p *page, from int, reader bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.pages {
		if p.after == after {
			return p, 0, false
		}
		if i, ok := p.position(after); ok && i+1 < len(p.records) {
			return p, i + 1, false
		}
	}
	p = &page{after: after, ready: make(chan struct{})}
	h.pages = append(h.pages, p)
	if len(h.pages) > historyPagesKept {
		h.pages = slices.Delete(h.pages, 0, 1)
	}
	return p, 0, true
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
