package commands

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/rosterhq/roster/domain"
)

// maxEmail is the longest address SMTP can carry (RFC 5321 §4.5.3.1: a
// 256-octet path minus its angle brackets); maxName a generous bound for
// display names.
const (
	maxEmail = 254
	maxName  = 200
)

// NormalizeEmail returns email trimmed of surrounding white space and
// lower-cased whole (local part included: no provider in practice treats
// case as significant, and users do not type it consistently): the form
// every lookup and blind index uses. It refuses, with an error wrapping
// ErrInvalidEmail, anything that is not one bare address: a display name,
// angle brackets or a comment, other than exactly one "@", an empty local
// part or domain, or more than 254 bytes. The error never contains the
// address (it is personal data, and errors end up in logs).
func NormalizeEmail(email string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(email))
	if reason := emailInvalidity(s); reason != "" {
		return "", fmt.Errorf("e-mail address: %w: %s", ErrInvalidEmail, reason)
	}
	return s, nil
}

// emailInvalidity says why s is not a bare e-mail address, or "" if it is one.
func emailInvalidity(s string) string {
	if len(s) > maxEmail {
		return fmt.Sprintf("longer than %d bytes", maxEmail)
	}
	local, domain, _ := strings.Cut(s, "@")
	switch {
	case strings.Count(s, "@") != 1:
		return `not exactly one "@"`
	case local == "" || domain == "":
		return "empty local part or domain"
	}
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return "not an RFC 5322 address"
	}
	if addr.Name != "" || addr.Address != s {
		return "not a bare address"
	}
	return ""
}

// personalData validates and normalises a person's e-mail and name, hashes
// the password when one is given, and computes the e-mail's blind index.
func (d deps) personalData(email, name, password string) (domain.PersonalData, string, error) {
	normalized, err := NormalizeEmail(email)
	if err != nil {
		return domain.PersonalData{}, "", domain.NewError(domain.CodeInvalid, "the e-mail is not a valid address (%v)", err)
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxName || !utf8.ValidString(name) {
		return domain.PersonalData{}, "", domain.NewError(domain.CodeInvalid, "a name of 1–%d characters is required", maxName)
	}
	pii := domain.PersonalData{Email: normalized, Name: name}
	if password != "" {
		if pii.PasswordHash, err = d.passwords.Hash(password); err != nil {
			return domain.PersonalData{}, "", fmt.Errorf("commands: hash password: %w", err)
		}
	}
	return pii, d.emails.EmailIndex(normalized), nil
}
