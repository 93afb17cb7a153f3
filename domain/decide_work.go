package domain

// decideAssignWork creates or updates one work item. Any staff member may
// assign work (inboxes and schedulers let agents pass work on); the
// assignee must be able to take it, except when the outcome already holds.
func decideAssignWork(s *Tenant, c AssignWork) ([]Event, error) {
	if !c.Item.Valid() {
		return nil, errInvalid("work item id %q must be 1–128 characters of A-Z, a-z, 0-9 and . _ : -", c.Item)
	}
	if _, err := s.requireStaff(c.Actor); err != nil {
		return nil, err
	}
	it := s.items[c.Item]
	kind, prev := c.Kind, UserID("")
	if it != nil {
		prev = it.assignee
		if kind == "" {
			kind = it.kind
		}
	}
	if kind == "" || len(kind) > 64 {
		return nil, errInvalid("a new work item needs a kind of at most 64 characters")
	}
	to := UserID("")
	if c.Assignee != nil && *c.Assignee != Unassigned {
		to = *c.Assignee
	}
	if it != nil && it.assignee == to && it.kind == kind {
		return nil, nil
	}
	if to != "" && to != prev {
		if err := s.checkAssignable(to); err != nil {
			return nil, err
		}
	}
	return []Event{WorkAssigned{Item: c.Item, Kind: kind, Assignee: to, Previous: prev}}, nil
}

// decideTransferOwnership moves work in bulk. Managers of users may move
// anyone's work and users may hand off their own. From may be deleted: its
// leftover items must still be movable. Listed items From no longer holds are
// skipped (a concurrent reassignment already moved them); unknown ones are
// not_found.
func decideTransferOwnership(s *Tenant, c TransferOwnership) ([]Event, error) {
	if !c.From.Valid() || c.To == "" {
		return nil, errInvalid("a transfer needs a from user and a to user or %q", Unassigned)
	}
	if _, err := s.requireSelfOrManager(c.Actor, c.From); err != nil {
		return nil, err
	}
	from := s.users[c.From]
	if from == nil {
		return nil, errNotFound("user %q does not exist", c.From)
	}
	if c.To == c.From {
		return nil, nil
	}
	to := c.To
	if to == Unassigned {
		to = ""
	} else if err := s.checkAssignable(to); err != nil {
		return nil, err
	}
	items, err := s.itemsToMove(c.From, from, c.Items)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	return []Event{OwnershipTransferred{From: c.From, To: to, Items: items, Reason: c.Reason}}, nil
}

func (s *Tenant) itemsToMove(id UserID, from *user, ids []WorkItemID) ([]WorkItemID, error) {
	if ids == nil {
		return sortedKeys(from.items), nil
	}
	picked := make(map[WorkItemID]struct{}, len(ids))
	for _, item := range ids {
		it := s.items[item]
		if it == nil {
			return nil, errNotFound("work item %q does not exist", item)
		}
		if it.assignee == id {
			picked[item] = struct{}{}
		}
	}
	return sortedKeys(picked), nil
}
