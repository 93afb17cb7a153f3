package projectionfeed

// Waiting is how many subscriptions wait, catching up, for the slowest one
// to come closer before they read further.
func (s *Subscriber) Waiting() int {
	s.history.mu.Lock()
	defer s.history.mu.Unlock()
	return s.history.waiting
}
