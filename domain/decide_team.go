package domain

// decideDefineTeam creates or renames a team and, when Leader is given,
// sets its leader. Team commands are user management: managers only.
func decideDefineTeam(s *Tenant, c DefineTeam) ([]Event, error) {
	if err := c.Team.Check("team"); err != nil {
		return nil, err
	}
	if err := checkName("name", c.Name); err != nil {
		return nil, err
	}
	if c.Leader != nil && *c.Leader != "" {
		if err := c.Leader.Check("leader"); err != nil {
			return nil, err
		}
	}
	if _, err := s.requireManager(c.Actor); err != nil {
		return nil, err
	}
	t := s.teams[c.Team]
	var ev []Event
	if t == nil || t.name != c.Name {
		ev = append(ev, TeamDefined{Team: c.Team, Name: c.Name})
	}
	if c.Leader == nil {
		return ev, nil
	}
	more, err := s.leaderEvents(c.Team, t, *c.Leader)
	if err != nil {
		return nil, err
	}
	return append(ev, more...), nil
}

// leaderEvents makes leader ("" for nobody) the leader of team id, whose
// state t is nil for a team being created; the leader joins first if needed.
func (s *Tenant) leaderEvents(id TeamID, t *team, leader UserID) ([]Event, error) {
	var current UserID
	if t != nil {
		current = t.leader
	}
	if leader == current {
		return nil, nil
	}
	var ev []Event
	if leader != "" {
		if _, err := s.liveUser(leader, nil); err != nil {
			return nil, err
		}
		if _, member := t.memberSet()[leader]; !member {
			ev = append(ev, TeamJoined{Team: id, User: leader})
		}
	}
	return append(ev, TeamLeaderAssigned{Team: id, Leader: leader, Previous: current}), nil
}

// memberSet tolerates a nil team (one not created yet).
func (t *team) memberSet() map[UserID]struct{} {
	if t == nil {
		return nil
	}
	return t.members
}

func decideAssignTeamLeader(s *Tenant, c AssignTeamLeader) ([]Event, error) {
	t, err := s.managedTeam(c.Actor, c.Team)
	if err != nil {
		return nil, err
	}
	var leader UserID
	if c.User != nil {
		leader = *c.User
	}
	if leader != "" {
		if err := leader.Check("user"); err != nil {
			return nil, err
		}
	}
	return s.leaderEvents(c.Team, t, leader)
}

func decideJoinTeam(s *Tenant, c JoinTeam) ([]Event, error) {
	t, err := s.managedTeam(c.Actor, c.Team)
	if err != nil {
		return nil, err
	}
	if _, err := s.liveUser(c.User, nil); err != nil {
		return nil, err
	}
	if _, member := t.members[c.User]; member {
		return nil, nil
	}
	return []Event{TeamJoined{Team: c.Team, User: c.User}}, nil
}

// decideLeaveTeam also takes the lead away first when the leaver leads, since
// a leader is always a member.
func decideLeaveTeam(s *Tenant, c LeaveTeam) ([]Event, error) {
	t, err := s.managedTeam(c.Actor, c.Team)
	if err != nil {
		return nil, err
	}
	if _, err := s.liveUser(c.User, nil); err != nil {
		return nil, err
	}
	if _, member := t.members[c.User]; !member {
		return nil, nil
	}
	return s.leaveTeam(c.Team, c.User), nil
}

// managedTeam authorises a team command and finds its existing team.
func (s *Tenant) managedTeam(a Actor, id TeamID) (*team, error) {
	if err := id.Check("team"); err != nil {
		return nil, err
	}
	if _, err := s.requireManager(a); err != nil {
		return nil, err
	}
	t := s.teams[id]
	if t == nil {
		return nil, errNotFound("team %s does not exist", Quote(string(id)))
	}
	return t, nil
}

// DeleteTeam removes a team: its members leave it first (and its leader
// loses the lead), so that every user's teams stay true. An identity
// provider deletes the group the team mirrors. Managers of users.
type DeleteTeam struct {
	Actor Actor
	Team  TeamID
}

func (c DeleteTeam) actor() Actor { return c.Actor }

// TeamDeleted records that a team, left by all its members, is gone. Its id
// may be defined again later as a new team.
type TeamDeleted struct {
	Team TeamID `json:"team"`
}

// EventType returns "TeamDeleted".
func (TeamDeleted) EventType() string { return "TeamDeleted" }

func (TeamDeleted) subjects() []UserID { return nil }

// decideDeleteTeam: deleting a team that does not exist finds nothing.
func decideDeleteTeam(s *Tenant, c DeleteTeam) ([]Event, error) {
	t, err := s.managedTeam(c.Actor, c.Team)
	if err != nil {
		return nil, err
	}
	var ev []Event
	for _, m := range sortedKeys(t.members) {
		ev = append(ev, s.leaveTeam(c.Team, m)...)
	}
	return append(ev, TeamDeleted{Team: c.Team}), nil
}
