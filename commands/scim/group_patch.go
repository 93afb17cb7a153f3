package scim

import (
	"slices"

	"github.com/elimity-com/scim"
	"github.com/scim2/filter-parser/v2"
)

// groupChanges maps the operations of a group PATCH, as the library
// validated them, to one GroupChanges: displayName (a rename; a remove is
// refused, it is required), externalId (a remove clears it), and members.
// The members' edits apply in the operations' order (memberEdits).
func groupChanges(ops []scim.PatchOperation) (GroupChanges, error) {
	var ch GroupChanges
	var edits memberEdits
	for _, op := range ops {
		if err := applyGroupOp(&ch, &edits, op); err != nil {
			return GroupChanges{}, err
		}
	}
	ch.Replace, ch.Add, ch.Remove = edits.replace, nilIfEmpty(edits.add), nilIfEmpty(edits.remove)
	return ch, nil
}

func applyGroupOp(ch *GroupChanges, edits *memberEdits, op scim.PatchOperation) error {
	t, ok := targetOf(op)
	if !ok {
		return nil
	}
	remove := op.Op == scim.PatchOperationRemove
	switch t.attr {
	case "displayname":
		if remove {
			return mutability("displayName is required and cannot be removed")
		}
		return setText(&ch.DisplayName, op.Value, false)
	case "externalid":
		return setText(&ch.ExternalID, op.Value, remove)
	case "members":
		if t.sub != "" {
			return nil // members[...].display and the like: nothing Roster keeps
		}
		return applyMembers(edits, op.Op, t.filter, op.Value)
	}
	return nil
}

// applyMembers maps one operation on members:
//   - add, with a list of {"value": id}: those users join;
//   - replace, with a list: the membership becomes that list;
//   - remove with a filter, members[value eq "id"] (or several joined by
//     "or"): those users leave;
//   - remove with a list, Entra's legacy form: the users listed leave;
//   - remove with neither: everyone leaves.
func applyMembers(edits *memberEdits, op string, f filter.Expression, value any) error {
	if f != nil && op != scim.PatchOperationRemove {
		return invalidPath("a filter on members is only supported by remove")
	}
	if f != nil {
		ids, ok := filteredMembers(f)
		if !ok {
			return invalidFilter(`a remove of members takes members[value eq "id"], or several joined by or`)
		}
		edits.leave(ids)
		return nil
	}
	ids, err := memberIDs(value)
	switch {
	case err != nil:
		return err
	case op == scim.PatchOperationAdd:
		edits.join(ids)
	case op == scim.PatchOperationReplace || value == nil:
		edits.replaceAll(ids)
	default:
		edits.leave(ids)
	}
	return nil
}

// filteredMembers returns the ids of value eq "id" (or a disjunction of
// those); ok is false for any other filter.
func filteredMembers(e filter.Expression) (ids []string, ok bool) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		left, okLeft := filteredMembers(e.Left)
		right, okRight := filteredMembers(e.Right)
		return append(left, right...), e.Operator == filter.OR && okLeft && okRight
	case *filter.AttributeExpression:
		id, isString := e.CompareValue.(string)
		if e.Operator != filter.EQ || !isString || pathOf(e.AttributePath) != "value" {
			return nil, false
		}
		return []string{unescape(id)}, true
	}
	return nil, false
}

// memberIDs returns the values (user ids) of a list of members (or one);
// nil for none.
func memberIDs(v any) ([]string, error) {
	list, ok := v.([]any)
	if m, isMap := v.(map[string]any); isMap {
		list, ok = []any{m}, true
	}
	if !ok && v != nil {
		return nil, invalidValue("members must be a list of {\"value\": user id}")
	}
	ids := make([]string, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		id, ok := m["value"].(string)
		if !ok || id == "" {
			return nil, invalidValue("every member needs a value, the user's id")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// memberEdits accumulates the membership edits of one PATCH so that they
// mean what they meant in order, though GroupChanges applies Replace, then
// Add, then Remove: once the membership is replaced, joins and leaves edit
// the replacement; before, a leave cancels an earlier join of the same
// user and a join an earlier leave.
type memberEdits struct {
	replace     *[]string
	add, remove []string
}

func (m *memberEdits) replaceAll(ids []string) {
	list := slices.Clone(ids)
	m.replace, m.add, m.remove = &list, nil, nil
}

func (m *memberEdits) join(ids []string) {
	for _, id := range ids {
		if m.replace != nil {
			*m.replace = appendNew(*m.replace, id)
			continue
		}
		m.remove = slices.DeleteFunc(m.remove, func(s string) bool { return s == id })
		m.add = appendNew(m.add, id)
	}
}

func (m *memberEdits) leave(ids []string) {
	for _, id := range ids {
		if m.replace != nil {
			*m.replace = slices.DeleteFunc(*m.replace, func(s string) bool { return s == id })
			continue
		}
		m.add = slices.DeleteFunc(m.add, func(s string) bool { return s == id })
		m.remove = appendNew(m.remove, id)
	}
}

func nilIfEmpty(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return list
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// empty reports whether ch changes nothing.
func (ch GroupChanges) empty() bool {
	return ch.DisplayName == nil && ch.ExternalID == nil && ch.Replace == nil && len(ch.Add) == 0 && len(ch.Remove) == 0
}
