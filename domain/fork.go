package domain

import "maps"

// forked records, for a Tenant made by Fork, which users, teams and work
// items are its own copies; all others it shares with the state it was
// forked from, and copies before Evolve first changes them.
type forked struct {
	users map[UserID]bool
	teams map[TeamID]bool
	items map[WorkItemID]bool
	// emails and blocklist say whether the fork has its own copy of those
	// indexes yet: few events change them, so they are copied on the first.
	emails, blocklist, connections, externalIDs bool
}

// Fork returns a copy of s that Evolve may change without changing s: it
// shares s's users, teams and work items and copies each one only when an
// event first changes it (copy on write). It costs a copy of s's indexes,
// not of everything they point to, so that a preview or a bulk on a tenant
// of 100,000 users does not copy 100,000 users to change a few. s must not
// be evolved while the fork is in use; once s is dropped, Adopt makes the
// fork an ordinary state again.
func (s *Tenant) Fork() *Tenant {
	if s == nil {
		return &Tenant{}
	}
	c := *s
	c.policy = s.policy.normalized()
	c.users, c.teams, c.items = maps.Clone(s.users), maps.Clone(s.teams), maps.Clone(s.items)
	c.staff = maps.Clone(s.staff)
	c.forked = &forked{users: map[UserID]bool{}, teams: map[TeamID]bool{}, items: map[WorkItemID]bool{}}
	return &c
}

// Adopt makes a fork the sole owner of what it shares with the state it was
// forked from, which the caller drops: Evolve then changes it in place.
func (s *Tenant) Adopt() { s.forked = nil }

// changeUser returns the user of id for Evolve to change: in a fork, the
// fork's own copy, made on first change.
func (s *Tenant) changeUser(id UserID) *user {
	u := s.users[id]
	if u == nil || s.forked == nil || s.forked.users[id] {
		return u
	}
	c := *u
	c.teams, c.items = maps.Clone(u.teams), maps.Clone(u.items)
	s.users[id] = &c
	s.own(id)
	return &c
}

func (s *Tenant) changeTeam(id TeamID) *team {
	t := s.teams[id]
	if t == nil || s.forked == nil || s.forked.teams[id] {
		return t
	}
	c := *t
	c.members = maps.Clone(t.members)
	s.teams[id] = &c
	s.ownTeam(id)
	return &c
}

func (s *Tenant) changeItem(id WorkItemID) *workItem {
	it := s.items[id]
	if it == nil || s.forked == nil || s.forked.items[id] {
		return it
	}
	c := *it
	s.items[id] = &c
	s.ownItem(id)
	return &c
}

// own, ownTeam and ownItem record that a fork's user, team or item is its
// own (made by the fork, or copied).
func (s *Tenant) own(id UserID) {
	if s.forked != nil {
		s.forked.users[id] = true
	}
}

func (s *Tenant) ownTeam(id TeamID) {
	if s.forked != nil {
		s.forked.teams[id] = true
	}
}

func (s *Tenant) ownItem(id WorkItemID) {
	if s.forked != nil {
		s.forked.items[id] = true
	}
}

// changeEmails and changeBlocklist make a fork's own copy of its e-mail
// index or blocklist before Evolve first changes it.
func (s *Tenant) changeEmails() {
	if s.forked != nil && !s.forked.emails {
		s.emails, s.forked.emails = maps.Clone(s.emails), true
	}
}

func (s *Tenant) changeBlocklist() {
	if s.forked != nil && !s.forked.blocklist {
		s.blocklist, s.forked.blocklist = maps.Clone(s.blocklist), true
	}
}
