package personaldata

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The top-level payload fields this package reads (domain.PersonalData's
// contract): "user", the subject's id, and "pii", their personal data.
const (
	fieldUser = "user"
	fieldPII  = "pii"
)

var (
	// piiKey is the key as stored; a payload without these bytes has no pii.
	piiKey = []byte(`"` + fieldPII + `"`)
	// sealedPrefix and sealedSuffix frame a sealed pii value.
	sealedPrefix = []byte(`{"sealed":"`)
	sealedSuffix = []byte(`"}`)
	// erasedValue replaces the pii of a person whose key is gone.
	erasedValue = []byte(`{"erased":true}`)
	nullValue   = []byte(`null`)
)

// span is the byte range [start, end) of a value in a payload.
type span struct{ start, end int }

func (s span) found() bool { return s.end > 0 }

// fields are the parts of an event payload this package cares about.
type fields struct {
	user    string // the "user" string; "" when absent
	hasUser bool
	pii     span // the raw "pii" value; zero when absent
}

// hasPII reports whether the payload carries personal data to seal or open
// (a null "pii" carries none).
func (f fields) hasPII(payload []byte) bool {
	return f.pii.found() && !bytes.Equal(payload[f.pii.start:f.pii.end], nullValue)
}

// scanFields finds the top-level "user" and "pii" of a JSON payload without
// decoding anything else, so that the rest can be kept byte for byte; it
// allocates nothing for ordinary payloads. A payload that is not an object
// has neither. It checks structure, not every literal: callers validate a
// payload before sealing it (and PostgreSQL's json type validates what is
// stored). Keys are matched the way encoding/json matches struct fields
// (strings.EqualFold), so no spelling such as "PII" can carry personal data
// past sealing: a duplicate, or a spelling other than the plain lower-case
// one, is refused.
func scanFields(payload []byte) (fields, error) {
	i := skipSpace(payload, 0)
	if i == len(payload) || payload[i] != '{' {
		return fields{}, nil
	}
	var f fields
	i = skipSpace(payload, i+1)
	if i < len(payload) && payload[i] == '}' {
		return f, expectEnd(payload, i+1)
	}
	for {
		next, err := f.scanMember(payload, i)
		if err != nil {
			return fields{}, err
		}
		switch i = skipSpace(payload, next); {
		case i < len(payload) && payload[i] == ',':
			i = skipSpace(payload, i+1)
		case i < len(payload) && payload[i] == '}':
			return f, expectEnd(payload, i+1)
		default:
			return fields{}, errNotJSON
		}
	}
}

var errNotJSON = errors.New("payload is not a valid JSON object")

// scanMember reads the member (key, colon, value) at i and returns the
// offset after it.
func (f *fields) scanMember(payload []byte, i int) (int, error) {
	keyEnd, err := skipString(payload, i)
	if err != nil {
		return 0, err
	}
	rawKey := payload[i:keyEnd]
	i = skipSpace(payload, keyEnd)
	if i == len(payload) || payload[i] != ':' {
		return 0, errNotJSON
	}
	start := skipSpace(payload, i+1)
	end, err := skipValue(payload, start)
	if err != nil {
		return 0, err
	}
	return end, f.record(rawKey, payload[start:end], span{start, end})
}

// record notes the value of a "pii" or "user" member.
func (f *fields) record(rawKey, value []byte, at span) error {
	key := unquote(rawKey)
	switch {
	case strings.EqualFold(key, fieldPII):
		if f.pii.found() || !bytes.Equal(rawKey, piiKey) {
			return fmt.Errorf("payload has a duplicate or non-canonical %q field", fieldPII)
		}
		f.pii = at
	case strings.EqualFold(key, fieldUser):
		if f.hasUser || string(rawKey) != `"`+fieldUser+`"` {
			return fmt.Errorf("payload has a duplicate or non-canonical %q field", fieldUser)
		}
		f.hasUser = true
		if len(value) > 0 && value[0] == '"' {
			f.user = unquote(value)
		}
	}
	return nil
}

// unquote returns the string a JSON string literal denotes, as
// encoding/json decodes it (invalid UTF-8 becomes U+FFFD).
func unquote(lit []byte) string {
	if bytes.IndexByte(lit, '\\') < 0 && utf8.Valid(lit) {
		return string(lit[1 : len(lit)-1])
	}
	var s string
	_ = json.Unmarshal(lit, &s) // a bad escape reads as "", and fails validation later
	return s
}

func skipSpace(p []byte, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
		i++
	}
	return i
}

// expectEnd checks that only white space follows offset i.
func expectEnd(p []byte, i int) error {
	if skipSpace(p, i) != len(p) {
		return errors.New("payload has data after its JSON object")
	}
	return nil
}

// skipString returns the offset after the string literal at i.
func skipString(p []byte, i int) (int, error) {
	if i >= len(p) || p[i] != '"' {
		return 0, errNotJSON
	}
	for i++; i < len(p); i++ {
		switch p[i] {
		case '"':
			return i + 1, nil
		case '\\':
			i++
		}
	}
	return 0, errNotJSON
}

// skipValue returns the offset after the value at i.
func skipValue(p []byte, i int) (int, error) {
	if i >= len(p) {
		return 0, errNotJSON
	}
	switch p[i] {
	case '"':
		return skipString(p, i)
	case '{', '[':
		return skipNested(p, i)
	}
	start := i
	for i < len(p) && !endsLiteral(p[i]) {
		i++
	}
	if i == start {
		return 0, errNotJSON
	}
	return i, nil
}

// endsLiteral reports whether c ends a number or true/false/null.
func endsLiteral(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// skipNested returns the offset after the object or array at i.
func skipNested(p []byte, i int) (int, error) {
	depth := 0
	for ; i < len(p); i++ {
		switch p[i] {
		case '"':
			end, err := skipString(p, i)
			if err != nil {
				return 0, err
			}
			i = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, errNotJSON
}

// splice returns payload with the value at s replaced by value.
func splice(payload []byte, s span, value []byte) []byte {
	out := make([]byte, 0, len(payload)-(s.end-s.start)+len(value))
	out = append(out, payload[:s.start]...)
	out = append(out, value...)
	return append(out, payload[s.end:]...)
}

// sealedValue renders a sealed pii value: {"sealed":"<base64 nonce||ciphertext>"}.
func sealedValue(sealed []byte) []byte {
	enc := base64.StdEncoding
	out := make([]byte, 0, len(sealedPrefix)+enc.EncodedLen(len(sealed))+len(sealedSuffix))
	out = append(out, sealedPrefix...)
	out = enc.AppendEncode(out, sealed)
	return append(out, sealedSuffix...)
}

// parseSealedValue reverses sealedValue; ok is false for anything else.
func parseSealedValue(value []byte) (sealed []byte, ok bool) {
	inner, found := bytes.CutPrefix(value, sealedPrefix)
	if !found {
		return nil, false
	}
	if inner, found = bytes.CutSuffix(inner, sealedSuffix); !found {
		return nil, false
	}
	sealed, err := base64.StdEncoding.AppendDecode(nil, inner)
	return sealed, err == nil
}
