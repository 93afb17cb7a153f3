package domain

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The bounds of every value the domain stores, one place for all of them:
// the decider refuses anything beyond them, the OpenAPI document states them
// (maxLength, maximum) and every read-model column and export is sized to
// hold anything within them. Text is counted in characters (Unicode code
// points), as JSON Schema's maxLength counts; an e-mail address in bytes, as
// SMTP bounds it. Ids have their own alphabets and bounds (ids.go).
const (
	MaxNameLength     = 200       // tenant, user and team names
	MaxWorkKindLength = 64        // a work item's kind ("job", "conversation"…)
	MaxReasonLength   = 1000      // a free-text reason recorded with events
	MaxEmailBytes     = 254       // RFC 5321 §4.5.3.1: a 256-octet path minus its angle brackets
	MaxSeats          = 1_000_000 // seats purchased (0 is allowed): far beyond any tenant, well within a 32-bit integer column
)

// Text is the one definition of valid text, for one kind of field: valid
// UTF-8, no NUL nor any other control character (Unicode category Cc: C0,
// DEL and C1) except the line characters \t, \n and \r where Lines allows
// them, and at most Max characters. Everything else — every plane, right-to-
// left marks, joiners, U+FFFD sent as such — is valid and stored as sent.
//
// Control characters are refused because they cannot be stored or shown
// faithfully (PostgreSQL text and jsonb refuse NUL; terminals, CSV readers
// and log lines act on the others); invalid UTF-8 because every reader
// would see another string than the one sent.
type Text struct {
	Max int
	// Lines allows \t, \n and \r: free text typed into a text area, which
	// browsers send with CRLF line breaks.
	Lines bool
}

// The kinds of text the domain stores.
var (
	NameText     = Text{Max: MaxNameLength}                // tenant, user and team names
	WorkKindText = Text{Max: MaxWorkKindLength}            // work item kinds
	ReasonText   = Text{Max: MaxReasonLength, Lines: true} // reasons recorded with events
)

// Check returns nil when s is valid text of this kind, else an invalid
// *Error naming field, whose detail says what is wrong without quoting s.
func (t Text) Check(field, s string) error {
	if !utf8.ValidString(s) {
		return errInvalidField(field, "%s must be valid UTF-8 text", field)
	}
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Cc, r) && !(t.Lines && (r == '\t' || r == '\n' || r == '\r')) {
			return errInvalidField(field, "%s must not hold control characters (it holds U+%04X)", field, r)
		}
		if n++; n > t.Max {
			return errInvalidField(field, "%s must be at most %d characters", field, t.Max)
		}
	}
	return nil
}

// checkName refuses an empty name and one that is not valid NameText.
func checkName(field, name string) error {
	if strings.TrimFunc(name, invisible) == "" { // "   " or a zero-width space names nothing a reader can see
		return errInvalidField(field, "%s is required", field)
	}
	return NameText.Check(field, name)
}

// checkSeats refuses a number of seats outside 0–MaxSeats.
func checkSeats(seats int) error {
	if seats < 0 || seats > MaxSeats {
		return errInvalidField("seats", "seats must be a whole number from 0 to %d", MaxSeats)
	}
	return nil
}

// quoteMost is how many characters of a caller's value a refusal quotes.
const quoteMost = 32

// Quote renders a value the caller sent for a refusal's detail: as a Go
// string literal, so control characters and invalid UTF-8 appear escaped,
// and cut after its first 32 characters, so that a detail never carries an
// unbounded input into a reply or a log line. Every refusal that shows
// what was sent shows it this way.
func Quote(s string) string {
	n := 0
	for i := range s {
		if n == quoteMost {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}

// invisible reports whether r shows nothing by itself: white space, or a
// format character such as a zero-width space.
func invisible(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }
