package scim

import (
	"github.com/elimity-com/scim"

	"github.com/rosterhq/roster/domain"
)

// userChanges maps the operations of a user PATCH, as the library
// validated them, to one UserChanges; a later operation on an attribute
// wins over an earlier one.
//
// Mapped: active, userName, externalId, displayName, name.givenName,
// name.familyName, the work e-mail's value and the primary role's value.
// A remove clears externalId, displayName and the name parts; a remove of
// userName is refused (required), a remove of active, emails or roles is
// ignored (Roster keeps a status, an e-mail and a role whatever the
// client removes). groups is read-only (400 mutability). Every other
// attribute of the schemas — name.formatted, title, phoneNumbers,
// addresses, password, the enterprise extension with manager — is
// accepted and ignored; a name no schema has was refused by the library
// (400 invalidPath).
func userChanges(ops []scim.PatchOperation) (UserChanges, error) {
	var ch UserChanges
	for _, op := range ops {
		if err := applyUserOp(&ch, op); err != nil {
			return UserChanges{}, err
		}
	}
	return ch, nil
}

func applyUserOp(ch *UserChanges, op scim.PatchOperation) error {
	t, ok := targetOf(op)
	if !ok || t.enterprise {
		return nil
	}
	remove := op.Op == scim.PatchOperationRemove
	switch t.attr {
	case "active":
		return setActive(ch, op.Value, remove)
	case "username":
		if remove {
			return mutability("userName is required and cannot be removed")
		}
		return setText(&ch.UserName, op.Value, false)
	case "externalid":
		return setText(&ch.ExternalID, op.Value, remove)
	case "displayname":
		return setText(&ch.DisplayName, op.Value, remove)
	case "name":
		return applyName(ch, t.sub, op.Value, remove)
	case "emails":
		return applyEmail(ch, t, op.Value, remove)
	case "roles":
		return applyRole(ch, t, op.Value, remove)
	case "groups":
		return mutability("groups is read-only: change the group's members instead")
	}
	return nil
}

func setActive(ch *UserChanges, value any, remove bool) error {
	if remove {
		return nil
	}
	b, ok := value.(bool)
	if !ok {
		return invalidValue("active must be a boolean")
	}
	ch.Active = &b
	return nil
}

// applyName maps name (a complex value) or one of its parts.
func applyName(ch *UserChanges, sub string, value any, remove bool) error {
	switch sub {
	case "givenname":
		return setText(&ch.GivenName, value, remove)
	case "familyname":
		return setText(&ch.FamilyName, value, remove)
	case "":
		name, _ := value.(map[string]any)
		if remove {
			name = map[string]any{"givenName": "", "familyName": ""}
		}
		for key, dst := range map[string]**string{"givenName": &ch.GivenName, "familyName": &ch.FamilyName} {
			if v, ok := name[key]; ok {
				if err := setText(dst, v, false); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// applyEmail maps a change of the work e-mail: emails (the list: its work,
// else primary, else first value), emails.value, `emails[type eq
// "work"].value` or `emails[type eq "work"]`. Another e-mail (type home)
// is ignored.
func applyEmail(ch *UserChanges, t target, value any, remove bool) error {
	if remove || t.filter != nil && !selectsKept(t.filter, true) {
		return nil
	}
	email, err := keptValue(t, value, isWork, isPrimary)
	if err != nil || email == nil {
		return err
	}
	ch.Email = email
	return nil
}

// applyRole maps a change of the primary role, as applyEmail does the
// e-mail: roles (its primary, else first value), `roles[primary eq
// "True"].value`, and the like. The value is passed on as a domain.Role,
// which the Directory checks.
func applyRole(ch *UserChanges, t target, value any, remove bool) error {
	if remove || t.filter != nil && !selectsKept(t.filter, false) {
		return nil
	}
	role, err := keptValue(t, value, isPrimary)
	if err != nil || role == nil {
		return err
	}
	r := domain.Role(*role)
	ch.Role = &r
	return nil
}

// keptValue is the "value" an operation on a multi-valued attribute gives
// the one value Roster keeps: the value itself for the sub-attribute value,
// the complex value's for a filtered path, the preferred one's for the
// whole list. It is nil for an operation on another sub-attribute (type,
// primary, display).
func keptValue(t target, value any, prefer ...func(map[string]any) bool) (*string, error) {
	var v any
	switch {
	case t.sub == "value":
		v = value
	case t.sub != "":
		return nil, nil
	default:
		v = pick(value, prefer...)["value"]
	}
	s, ok := v.(string)
	if !ok {
		return nil, invalidValue("the value must be a string")
	}
	return &s, nil
}
