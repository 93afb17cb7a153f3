package commands

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/rosterhq/roster/domain"
)

// Provisioned is what an identity provider adds to a person's profile:
// its id of them (SCIM's externalId) and the parts of their name.
type Provisioned struct {
	ExternalID string `json:"external_id,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
}

// provision adds p to pii (names trimmed, as names are) and returns the
// external id's blind index ("" for none).
func (d deps) provision(pii *domain.PersonalData, p Provisioned) string {
	pii.ExternalID, pii.GivenName, pii.FamilyName = p.ExternalID, strings.TrimSpace(p.GivenName), strings.TrimSpace(p.FamilyName)
	if p.ExternalID == "" {
		return ""
	}
	return d.emails.ExternalIDIndex(p.ExternalID)
}

// personalData normalises a person's e-mail (domain.ParseEmail: trimmed and
// lower-cased, or refused as invalid naming prefix+"email") and name
// (trimmed of surrounding white space, the one normalisation of names; the
// decider checks the rest of both, naming prefix+"name"), hashes the
// password when one is given, and computes the e-mail's blind index. prefix
// is where the request holds the person ("owner." for a tenant's owner).
func (d deps) personalData(ctx context.Context, prefix, email, name, password string) (domain.PersonalData, string, error) {
	normalized, err := domain.ParseEmail(prefix+"email", email)
	if err != nil {
		return domain.PersonalData{}, "", err
	}
	pii := domain.PersonalData{Email: normalized, Name: strings.TrimSpace(name)}
	if password != "" {
		if pii.PasswordHash, err = d.hashPassword(ctx, prefix+"password", password, normalized, pii.Name); err != nil {
			return domain.PersonalData{}, "", err
		}
	}
	return pii, d.emails.EmailIndex(normalized), nil
}

// hashPassword hashes a password that someone sets, once it has passed the
// password rules: domain.CheckPassword, then the screen of guessable
// passwords, given the account's own details as context (an e-mail's local
// part, a name, an id). Both refusals name field; neither quotes the
// password. The checks come first because they cost far less than the hash.
func (d deps) hashPassword(ctx context.Context, field, password string, details ...string) (string, error) {
	if err := domain.CheckPassword(field, password); err != nil {
		return "", err
	}
	if d.screen.Guessable(password, contextWords(details)...) {
		return "", domain.InvalidField(field, "%s is too easy to guess: it is a common or breached password, a variant of one, "+
			"or made of the account's own details; a passphrase of a few unrelated words is safer and easier to remember", field)
	}
	hash, err := d.passwords.Hash(ctx, password)
	if err != nil {
		return "", fmt.Errorf("commands: hash password: %w", err)
	}
	return hash, nil
}

// contextWords is the context of a password as a screen matches it: each
// detail whole and each of its words ("Ann Able" and "ann.able@acme.example"
// give ann, able, acme…), which people build passwords from as readily.
func contextWords(context []string) []string {
	words := append([]string(nil), context...)
	for _, c := range context {
		words = append(words, strings.FieldsFunc(c, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
	}
	return words
}
