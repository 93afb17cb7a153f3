package commands

import (
	"fmt"
	"strings"

	"github.com/rosterhq/roster/domain"
)

// personalData normalises a person's e-mail (domain.ParseEmail: trimmed and
// lower-cased, or refused as invalid naming prefix+"email") and name
// (trimmed of surrounding white space, the one normalisation of names; the
// decider checks the rest of both, naming prefix+"name"), hashes the
// password when one is given, and computes the e-mail's blind index. prefix
// is where the request holds the person ("owner." for a tenant's owner).
func (d deps) personalData(prefix, email, name, password string) (domain.PersonalData, string, error) {
	normalized, err := domain.ParseEmail(prefix+"email", email)
	if err != nil {
		return domain.PersonalData{}, "", err
	}
	pii := domain.PersonalData{Email: normalized, Name: strings.TrimSpace(name)}
	if password != "" {
		if pii.PasswordHash, err = d.passwords.Hash(password); err != nil {
			return domain.PersonalData{}, "", fmt.Errorf("commands: hash password: %w", err)
		}
	}
	return pii, d.emails.EmailIndex(normalized), nil
}
