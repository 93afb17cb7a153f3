package projectionfeed

import (
	"time"

	"github.com/rosterhq/roster/projections"
)

// Waiting is how many subscriptions wait, catching up, for the slowest one
// to come closer before they read further.
func (s *Subscriber) Waiting() int {
	s.history.mu.Lock()
	defer s.history.mu.Unlock()
	return s.history.waiting
}

// Following sets what projector topic is interested in, the status the
// subscriber tells of the events a projector passes, and how long its
// stored checkpoint may linger behind them.
func (s *Subscriber) Following(topic string, handles func(eventType string) bool, status *projections.Status, linger time.Duration) {
	if s.interest == nil {
		s.interest = map[string]func(string) bool{}
	}
	s.interest[topic], s.status, s.linger = handles, status, linger
}
