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
