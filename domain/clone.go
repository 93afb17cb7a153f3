package domain

import "maps"

// Clone returns a deep copy of s that shares nothing with it, so that Evolve
// on one never shows through the other. It costs O(size of the tenant); the
// command path avoids it by evolving its cached state only after a
// successful append.
func (s *Tenant) Clone() *Tenant {
	if s == nil {
		return &Tenant{}
	}
	c := *s
	c.policy, c.forked = s.policy.normalized(), nil
	if s.users == nil {
		return &c
	}
	c.users = make(map[UserID]*user, len(s.users))
	for id, u := range s.users {
		cu := *u
		cu.teams, cu.items = maps.Clone(u.teams), maps.Clone(u.items)
		c.users[id] = &cu
	}
	c.teams = make(map[TeamID]*team, len(s.teams))
	for id, t := range s.teams {
		ct := *t
		ct.members = maps.Clone(t.members)
		c.teams[id] = &ct
	}
	c.items = make(map[WorkItemID]*workItem, len(s.items))
	for id, it := range s.items {
		cit := *it
		c.items[id] = &cit
	}
	c.emails, c.blocklist, c.staff = maps.Clone(s.emails), maps.Clone(s.blocklist), maps.Clone(s.staff)
	c.connections = maps.Clone(s.connections) // their entries are never changed in place
	c.externalIDs = maps.Clone(s.externalIDs)
	return &c
}
