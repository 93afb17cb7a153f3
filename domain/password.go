package domain

import "unicode/utf8"

// The length bounds of a password, after NIST SP 800-63B §5.1.1.2: at least
// 8 characters, and every password up to 64 characters accepted. The upper
// bound is there so that the work spent on one password (the check against
// guessable passwords, whose cost grows faster than the length, and the
// hash) is bounded; 64 leaves room for a passphrase of several words.
// Lengths are counted in characters (Unicode code points), as NIST asks.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 64
)

// CheckPassword is the one rule for the form of a password, wherever one is
// set (an invitation, a password change, a tenant's first owner): valid
// UTF-8, MinPasswordLength to MaxPasswordLength characters. Anything else
// goes, spaces and every script included; there are no composition rules
// (NIST: they do not help), but a password must also pass the command
// side's screen of guessable passwords. The refusal names field and never
// quotes the password.
func CheckPassword(field, password string) error {
	if !utf8.ValidString(password) {
		return errInvalidField(field, "%s must be valid UTF-8 text", field)
	}
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLength:
		return errInvalidField(field, "%s must be at least %d characters (a passphrase of a few words is easiest to remember)", field, MinPasswordLength)
	case n > MaxPasswordLength:
		return errInvalidField(field, "%s must be at most %d characters", field, MaxPasswordLength)
	}
	return nil
}
