package domain

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// ErrInvalidEmail is wrapped by NormalizeEmail's error for a string that is
// not an e-mail address.
var ErrInvalidEmail = errors.New("not an e-mail address")

// emailText is the text rule e-mail addresses follow before their own: no
// control characters, valid UTF-8; their length is bounded in bytes.
var emailText = Text{Max: MaxEmailBytes}

// NormalizeEmail returns email trimmed of surrounding white space and
// lower-cased whole (local part included: no provider in practice treats
// case as significant, and users do not type it consistently): the form
// every lookup, blind index and event uses. It refuses, with an error
// wrapping ErrInvalidEmail, anything that is not one bare address: control
// characters or invalid UTF-8, a display name, angle brackets or a comment,
// other than exactly one "@", an empty local part or domain, or more than
// MaxEmailBytes bytes. The error never contains the address (it is personal
// data, and errors end up in logs).
func NormalizeEmail(email string) (string, error) {
	s := strings.TrimSpace(email)
	// Checked before lower-casing, which would turn invalid UTF-8 into U+FFFD.
	if emailText.Check("email", s) != nil {
		return "", fmt.Errorf("e-mail address: %w: control characters or invalid UTF-8", ErrInvalidEmail)
	}
	s = strings.ToLower(s)
	if reason := emailInvalidity(s); reason != "" {
		return "", fmt.Errorf("e-mail address: %w: %s", ErrInvalidEmail, reason)
	}
	return s, nil
}

// emailInvalidity says why s is not a bare e-mail address, or "" if it is one.
func emailInvalidity(s string) string {
	if len(s) > MaxEmailBytes {
		return fmt.Sprintf("longer than %d bytes", MaxEmailBytes)
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

// ParseEmail is NormalizeEmail for the e-mail of a request: its refusal is
// an invalid *Error naming field.
func ParseEmail(field, email string) (string, error) {
	normal, err := NormalizeEmail(email)
	if err != nil {
		return "", errInvalidField(field, "%s is not a valid address (%v)", field, err)
	}
	return normal, nil
}

// checkEmail refuses, as invalid naming field, an e-mail that is not
// already in NormalizeEmail's form: the decider stores only that form.
func checkEmail(field, email string) error {
	normal, err := ParseEmail(field, email)
	if err == nil && normal != email {
		err = errInvalidField(field, "%s must be given in its normal form (trimmed, lower-case)", field)
	}
	return err
}
