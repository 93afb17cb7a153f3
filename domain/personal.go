package domain

// DeletedUserName is how a deleted person is shown everywhere: in read
// models, the audit trail, exports and replays.
const DeletedUserName = "Deleted user"

// PersonalData is every identifying datum about a person that Roster keeps.
// It appears in events only as the top-level "pii" field of an event whose
// subject user id is the top-level "user" field, so that an outer codec can
// seal it with that user's data key, and forget it for good by destroying the
// key when the user is deleted. The Tenant state never holds it.
//
// Erased is set, by whoever reads events back, when the key is gone: the
// person was deleted and the other fields are empty. Readers show such a
// person as DeletedUserName.
type PersonalData struct {
	Email        string `json:"email,omitempty"`
	Name         string `json:"name,omitempty"`
	PasswordHash string `json:"password_hash,omitempty"`
	// ExternalID, GivenName and FamilyName are what an identity provider
	// calls the person (SCIM's externalId and name parts); often empty.
	ExternalID string `json:"external_id,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	Erased     bool   `json:"erased,omitempty"`
}

// DisplayName is the name to show for the person: DeletedUserName once erased.
func (p PersonalData) DisplayName() string {
	if p.Erased {
		return DeletedUserName
	}
	return p.Name
}
