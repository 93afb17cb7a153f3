package domain

// decideAssignWork creates or updates one work item, as checkWorkMove
// allows; the assignee must be able to take it, except when the outcome
// already holds. Rights are checked before the no-op, so that the answer
// never depends on who holds work the actor may not touch.
func decideAssignWork(s *Tenant, c AssignWork) ([]Event, error) {
	if err := validateAssignWork(c); err != nil {
		return nil, err
	}
	act, err := s.requireStaff(c.Actor)
	if err != nil {
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
	if kind == "" {
		return nil, errInvalidField("kind", "a new work item needs a kind")
	}
	to := UserID("")
	if c.Assignee != nil && *c.Assignee != Unassigned {
		to = *c.Assignee
	}
	if err := s.checkWorkMove(act, prev, to); err != nil {
		return nil, err
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

// validateAssignWork checks the item id, the kind (which may be empty: an
// existing item keeps its kind) and the assignee's form.
func validateAssignWork(c AssignWork) error {
	if err := c.Item.Check("item"); err != nil {
		return err
	}
	if err := WorkKindText.Check("kind", c.Kind); err != nil {
		return err
	}
	if c.Assignee != nil {
		return c.Assignee.checkOrUnassigned("assignee")
	}
	return nil
}

// decideTransferOwnership moves work in bulk, as checkWorkMove allows:
// managers of users move anyone's work to anyone, other staff only hand
// their own back (to unassigned). From may be deleted: its leftover items
// must still be movable. Listed items From no longer holds are skipped (a
// concurrent reassignment already moved them); unknown ones are not_found.
func decideTransferOwnership(s *Tenant, c TransferOwnership) ([]Event, error) {
	if err := validateTransfer(c); err != nil {
		return nil, err
	}
	act, err := s.requireStaff(c.Actor)
	if err != nil {
		return nil, err
	}
	if c.To == Unassigned {
		err = s.checkWorkMove(act, c.From, "")
	} else {
		err = s.checkWorkMove(act, c.From, c.To)
	}
	if err != nil {
		return nil, err
	}
	from := s.users[c.From]
	if from == nil {
		return nil, errNotFound("user %s does not exist", Quote(string(c.From)))
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

// validateTransfer checks the form of every id of a transfer and its reason.
func validateTransfer(c TransferOwnership) error {
	if err := c.From.Check("from"); err != nil {
		return err
	}
	if err := c.To.checkOrUnassigned("to"); err != nil {
		return err
	}
	for _, item := range c.Items {
		if err := item.Check("items"); err != nil {
			return err
		}
	}
	return ReasonText.Check("reason", c.Reason)
}

func (s *Tenant) itemsToMove(id UserID, from *user, ids []WorkItemID) ([]WorkItemID, error) {
	if ids == nil {
		return sortedKeys(from.items), nil
	}
	picked := make(map[WorkItemID]struct{}, len(ids))
	for _, item := range ids {
		it := s.items[item]
		if it == nil {
			return nil, errNotFound("work item %s does not exist", Quote(string(item)))
		}
		if it.assignee == id {
			picked[item] = struct{}{}
		}
	}
	return sortedKeys(picked), nil
}
