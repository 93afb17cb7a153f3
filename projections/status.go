package projections

import (
	"context"
	"sync"

	"github.com/rosterhq/roster/commands/eventstore"
)

// Status is what this process knows of its projectors' progress, for
// /v1/projections, the lag metrics, and read-your-writes waits. A nil
// *Status ignores updates.
type Status struct {
	mu         sync.Mutex
	projectors map[string]*Progress
	changed    chan struct{} // closed and replaced on every update
	// failures counts the tenant failures this process's projectors
	// recorded, so that a cache of them knows when to read them again.
	failures uint64
}

// Progress is one projector's state as last reported.
type Progress struct {
	Name     string
	Position eventstore.Position
	Events   int64 // applied by this process
	Err      error // the failure it stopped on, if any
}

// NewStatus tracks the named projectors, none of which has applied anything.
func NewStatus(names ...string) *Status {
	s := &Status{projectors: map[string]*Progress{}, changed: make(chan struct{})}
	for _, n := range names {
		s.projectors[n] = &Progress{Name: n}
	}
	return s
}

// Start records where a projector resumes from.
func (s *Status) Start(name string, at eventstore.Position) {
	s.update(name, func(p *Progress) { p.Position, p.Err = at, nil })
}

func (s *Status) applied(name string, at eventstore.Position, n int) {
	s.update(name, func(p *Progress) { p.Position, p.Events, p.Err = at, p.Events+int64(n), nil })
}

// Passed records that a projector passed, up to at, events it has no
// interest in: its read model is as it would be at at, and its stored
// checkpoint moves there later (with its next batch).
func (s *Status) Passed(name string, at eventstore.Position) {
	s.update(name, func(p *Progress) { p.Position = at })
}

// isolated records that a projector set aside, as its tenant's failure, the
// event at position at, and so passed it.
func (s *Status) isolated(name string, at eventstore.Position) {
	s.FailuresChanged() // first: whoever the update wakes must see the new generation
	s.update(name, func(p *Progress) { p.Position, p.Events = at, p.Events+1 })
}

// FailuresChanged records that tenant failures were recorded or cleared by
// this process; FailureGeneration then reads differently.
func (s *Status) FailuresChanged() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures++
}

// FailureGeneration changes whenever this process records or clears a
// tenant failure (see FailuresChanged).
func (s *Status) FailureGeneration() uint64 {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failures
}

func (s *Status) failed(name string, err error) {
	s.update(name, func(p *Progress) { p.Err = err })
}

func (s *Status) update(name string, change func(*Progress)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectors[name]
	if p == nil {
		p = &Progress{Name: name}
		s.projectors[name] = p
	}
	change(p)
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor returns once every named projector has applied position at (or
// is past it), or with ctx's error. A projector that has failed answers at
// once with its failure: waiting for it would be waiting for nothing.
func (s *Status) WaitFor(ctx context.Context, at eventstore.Position, names ...string) error {
	for {
		s.mu.Lock()
		done, err := s.reached(at, names)
		changed := s.changed
		s.mu.Unlock()
		if done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

func (s *Status) reached(at eventstore.Position, names []string) (bool, error) {
	for _, n := range names {
		p := s.projectors[n]
		switch {
		case p == nil:
			return false, nil
		case p.Err != nil && p.Position.Compare(at) < 0:
			return false, p.Err
		case p.Position.Compare(at) < 0:
			return false, nil
		}
	}
	return true, nil
}
