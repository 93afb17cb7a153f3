package domain

// PersonalData is every identifying datum about a person that Roster keeps.
// It appears in events only as the top-level "pii" field of an event whose
// subject user id is the top-level "user" field, so that an outer codec can
// seal it with that user's data key, and forget it for good by destroying the
// key when the user is deleted. The Tenant state never holds it.
type PersonalData struct {
	Email        string `json:"email,omitempty"`
	Name         string `json:"name,omitempty"`
	PasswordHash string `json:"password_hash,omitempty"`
}
