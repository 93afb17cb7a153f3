// Package domain is the pure core of Roster: the tenant aggregate with its
// commands, events, policy and error vocabulary.
//
// It follows the decider pattern. Decide(state, command) checks every
// invariant against the current state and answers the events that record the
// outcome, or an *Error; it never changes the state. Evolve(state, event)
// folds one event into the state. The zero Tenant is the state of a tenant
// that does not exist yet, so replaying a stream reads
//
//	s := &domain.Tenant{}
//	for _, e := range events {
//		s = domain.Evolve(s, e)
//	}
//
// One aggregate per tenant is the consistency boundary, because the rules
// that matter (the last active owner, seats, unique e-mails, team leaders)
// span users. To keep a command on a tenant with 100,000 users as cheap as
// one on a tenant with ten, the state keeps counters and indexes that Evolve
// maintains incrementally, every Decide is O(1) or O(items of one user), and
// Evolve mutates its argument in place: callers that need the previous state
// must Clone it first.
//
// The package imports only the standard library and has no clock, randomness,
// context or I/O: ids and instants arrive inside commands.
//
// Personal data (e-mail, name, password hash) appears in events only as a
// PersonalData value in a top-level "pii" field of an event whose subject user
// is in its top-level "user" field, so that an outer codec can encrypt it per
// user without knowing event types. The write model never needs clear personal
// data: e-mail uniqueness, login lookup and the customer blocklist compare
// blind indexes computed outside this package.
package domain
