package domain

import "maps"

// A user's profile is their personal data but the password hash: e-mail,
// name, and what an identity provider calls them (their externalId, given
// and family names). It is set by the invitation and replaced whole by
// ProfileChanged, which identity providers send when a person is renamed
// or changes address. The write model keeps only blind indexes of the
// e-mail and the external id (for uniqueness and look-ups) and the stream
// version of the latest event that carries the profile.

// MaxExternalIDLength bounds an identity provider's id of a person.
const MaxExternalIDLength = 255

// ExternalIDText is the text of an external id.
var ExternalIDText = Text{Max: MaxExternalIDLength}

// ChangeProfile replaces a user's profile: PII holds the new e-mail, name,
// external id, given and family names (its PasswordHash is ignored),
// EmailIndex and ExternalIDIndex their blind indexes ("" when the user has
// no external id). Managers of users, and the user themselves, may.
type ChangeProfile struct {
	Actor           Actor
	User            UserID
	IfVersion       *int64
	PII             PersonalData
	EmailIndex      string
	ExternalIDIndex string
}

func (c ChangeProfile) actor() Actor { return c.Actor }

// ProfileChanged records a user's new profile.
type ProfileChanged struct {
	User            UserID       `json:"user"`
	PII             PersonalData `json:"pii"`
	EmailIndex      string       `json:"email_index"`
	ExternalIDIndex string       `json:"external_id_index,omitempty"`
}

// EventType returns "ProfileChanged".
func (ProfileChanged) EventType() string { return "ProfileChanged" }

func (e ProfileChanged) subjects() []UserID { return one(e.User) }

// decideChangeProfile: the domain cannot tell whether the sealed name
// changed, so the caller leaves out a change that changes nothing (see
// commands.ChangeProfile); the e-mail and external id stay unique.
func decideChangeProfile(s *Tenant, c ChangeProfile) ([]Event, error) {
	u, err := s.liveUser(c.User, c.IfVersion)
	if err != nil {
		return nil, err
	}
	act, err := s.requireSelfOrManager(c.Actor, c.User)
	if err != nil {
		return nil, err
	}
	if act.id != c.User {
		if err := s.checkOutranked(act, u); err != nil {
			return nil, err
		}
	}
	pii := c.PII
	pii.PasswordHash = ""
	if err := validateProfile("", pii, c.EmailIndex, c.ExternalIDIndex); err != nil {
		return nil, err
	}
	if other, ok := s.emails[c.EmailIndex]; ok && other != c.User {
		return nil, NewError(CodeEmailTaken, "another user of the tenant has this e-mail")
	}
	// A customer may not move onto a blocklisted e-mail, as an invitation
	// of it is refused; the e-mail they already have stays theirs.
	if u.kind == KindCustomer && c.EmailIndex != u.emailIndex && s.EmailBlocked(c.EmailIndex) {
		return nil, errEmailBlocked()
	}
	if err := s.checkExternalID(c.User, c.ExternalIDIndex); err != nil {
		return nil, err
	}
	return []Event{ProfileChanged{User: c.User, PII: pii, EmailIndex: c.EmailIndex, ExternalIDIndex: c.ExternalIDIndex}}, nil
}

// validateProfile checks the profile fields a new or changed user stores
// beyond validateAccount's: the external id and its index go together, and
// the given and family names are names (or empty).
func validateProfile(prefix string, pii PersonalData, emailIndex, externalIDIndex string) error {
	if err := validateContact(prefix, pii, emailIndex); err != nil {
		return err
	}
	return validateProvisioned(prefix, pii, externalIDIndex)
}

// validateProvisioned checks what identity providers add to a profile.
func validateProvisioned(prefix string, pii PersonalData, externalIDIndex string) error {
	if err := ExternalIDText.Check(prefix+"external_id", pii.ExternalID); err != nil {
		return err
	}
	if (pii.ExternalID == "") != (externalIDIndex == "") {
		return errInvalidField(prefix+"external_id", "an external id needs its index, and an index its external id")
	}
	for field, name := range map[string]string{"given_name": pii.GivenName, "family_name": pii.FamilyName} {
		if err := NameText.Check(prefix+field, name); err != nil {
			return err
		}
	}
	return nil
}

// checkExternalID refuses an external id another live user of the tenant
// has: identity providers find people by it.
func (s *Tenant) checkExternalID(id UserID, index string) error {
	if other, ok := s.externalIDs[index]; ok && index != "" && other != id {
		return &Error{Code: CodeInvalidTransition, Field: "external_id", Detail: "another user of the tenant has this external id"}
	}
	return nil
}

func evolveProfileChanged(s *Tenant, e ProfileChanged) {
	u := s.changeUser(e.User)
	if u == nil || u.status == StatusDeleted {
		return
	}
	if u.emailIndex != e.EmailIndex {
		s.changeEmails()
		if s.emails[u.emailIndex] == e.User {
			delete(s.emails, u.emailIndex)
		}
		s.emails[e.EmailIndex] = e.User
		u.emailIndex = e.EmailIndex
	}
	s.indexExternalID(e.User, u, e.ExternalIDIndex)
}

// indexExternalID moves u's external id index to index ("" for none).
func (s *Tenant) indexExternalID(id UserID, u *user, index string) {
	if u.externalIDIndex == index {
		return
	}
	s.changeExternalIDs()
	if u.externalIDIndex != "" && s.externalIDs[u.externalIDIndex] == id {
		delete(s.externalIDs, u.externalIDIndex)
	}
	if index != "" {
		s.externalIDs[index] = id
	}
	u.externalIDIndex = index
}

// changeExternalIDs makes a fork's own copy of the external id index before
// Evolve first changes it.
func (s *Tenant) changeExternalIDs() {
	if s.forked != nil && !s.forked.externalIDs {
		s.externalIDs, s.forked.externalIDs = maps.Clone(s.externalIDs), true
	}
	if s.externalIDs == nil {
		s.externalIDs = map[string]UserID{}
	}
}

// UserByExternalIDIndex returns the non-deleted user with that external id
// index.
func (s *Tenant) UserByExternalIDIndex(index string) (UserView, bool) {
	id, ok := s.externalIDs[index]
	if !ok || index == "" {
		return UserView{}, false
	}
	return s.User(id)
}
