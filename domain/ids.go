package domain

// TenantID identifies a tenant; valid ids are 1–64 characters of [a-z0-9-].
type TenantID string

// UserID identifies a user inside one tenant; valid ids are 1–64 characters
// of [a-z0-9-], and the word "unassigned" is reserved (see Unassigned).
type UserID string

// TeamID identifies a team inside one tenant; valid ids are 1–128 characters
// of [A-Za-z0-9._:-].
type TeamID string

// WorkItemID identifies a work item (a job, a conversation, an opportunity…)
// inside one tenant; valid ids are 1–128 characters of [A-Za-z0-9._:-],
// looser than user ids because they come from other systems.
type WorkItemID string

// Unassigned is the handoff and transfer target that leaves work without an
// assignee. It is reserved so that it can never be the id of a user.
const Unassigned UserID = "unassigned"

// Valid reports whether id is well formed.
func (id TenantID) Valid() bool { return isSlug(string(id)) }

// Valid reports whether id is well formed and not the reserved Unassigned.
func (id UserID) Valid() bool { return id != Unassigned && isSlug(string(id)) }

// Valid reports whether id is well formed.
func (id TeamID) Valid() bool { return isKey(string(id)) }

// Valid reports whether id is well formed.
func (id WorkItemID) Valid() bool { return isKey(string(id)) }

// The Check methods return nil for a well-formed id, else an invalid *Error
// naming field (the request's name for where the id came from) that says
// what the id must be without quoting it.

// Check refuses a malformed tenant id.
func (id TenantID) Check(field string) error {
	return refuseUnless(id.Valid(), field, "a tenant id: 1–64 characters of a-z, 0-9 and -")
}

// Check refuses a malformed user id, and the reserved Unassigned.
func (id UserID) Check(field string) error {
	return refuseUnless(id.Valid(), field, `a user id: 1–64 characters of a-z, 0-9 and -, not "unassigned"`)
}

// checkOrUnassigned is Check for a field that may also be Unassigned.
func (id UserID) checkOrUnassigned(field string) error {
	return refuseUnless(id.Valid() || id == Unassigned, field, `a user id (1–64 characters of a-z, 0-9 and -) or "unassigned"`)
}

// Check refuses a malformed team id.
func (id TeamID) Check(field string) error {
	return refuseUnless(id.Valid(), field, "a team id: 1–128 characters of A-Z, a-z, 0-9 and . _ : -")
}

// Check refuses a malformed work item id.
func (id WorkItemID) Check(field string) error {
	return refuseUnless(id.Valid(), field, "a work item id: 1–128 characters of A-Z, a-z, 0-9 and . _ : -")
}

func refuseUnless(ok bool, field, form string) error {
	if ok {
		return nil
	}
	return errInvalidField(field, "%s must be %s", field, form)
}

// isSlug accepts the API's id alphabet for tenants and users.
func isSlug(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isKey accepts ids minted by other systems, still free of spaces and slashes
// so they can travel in URL paths.
func isKey(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
