package writeapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/rosterhq/roster/domain"
)

// maxBody is API.md's limit on request bodies.
const maxBody = 1 << 20

// errBodyTooLarge is answered 413 with code invalid.
var errBodyTooLarge = errors.New("the body is larger than 1 MiB")

// decodeBody reads r's body as one JSON object into a T, refusing unknown
// fields, trailing data and bodies over 1 MiB. An empty body is the empty
// object, for endpoints whose fields are all optional.
func decodeBody[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return v, errBodyTooLarge
	}
	if err != nil {
		return v, invalid("the body could not be read")
	}
	return v, decodeJSON(raw, &v)
}

// decodeJSON is decodeBody's parsing, separate so that fuzzing reaches it
// without HTTP. It also refuses text that encoding/json would accept but
// not keep as sent (see exactText).
func decodeJSON(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	if trimmed := bytes.TrimSpace(raw); trimmed[0] != '{' {
		return invalid("the body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("malformed JSON body: %s", describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("the body must hold exactly one JSON object")
	}
	return exactText(raw)
}

// exactText refuses a body, already known to be one valid JSON object,
// holding a string that is not valid UTF-8 or holds a lone UTF-16
// surrogate escape ("\ud800", "\udc00", a high surrogate without its low
// one): encoding/json silently turns both into U+FFFD, so what would be
// stored is not what was sent. jsontext (the decoder of encoding/json/v2)
// refuses exactly these, and says which member holds them.
func exactText(raw []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true))
	_, err := dec.ReadValue()
	var syntax *jsontext.SyntacticError
	if err == nil || !errors.As(err, &syntax) {
		return nil // nothing more that encoding/json has not already checked
	}
	field := fieldOf(syntax.JSONPointer)
	return domain.InvalidField(field, "%s must be valid Unicode text: valid UTF-8, and no lone UTF-16 surrogate escape (\\ud800–\\udfff)",
		cmp.Or(field, "the body"))
}

// fieldOf names the member a JSON pointer points into as the API does
// ("owner.name"), leaving out array indexes ("teams" for "/teams/2").
func fieldOf(pointer jsontext.Pointer) string {
	var names []string
	for token := range pointer.Tokens() {
		if _, err := strconv.Atoi(token); err != nil {
			names = append(names, token)
		}
	}
	return strings.Join(names, ".")
}

// describeJSONError says what was wrong without echoing the body (which may
// hold a password).
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("syntax error at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s", typ.Field, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end"
	}
	if quoted, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		// The field name is the caller's typo, worth showing, but it may be
		// any length: shown as every refusal shows what was sent.
		name, _ := strconv.Unquote(quoted)
		return "unknown field " + domain.Quote(name)
	}
	return "not valid JSON for this endpoint"
}

func invalid(format string, args ...any) error {
	return domain.NewError(domain.CodeInvalid, format, args...)
}

// nullable is a JSON field that distinguishes absent (Set false), null
// (Set, Null) and a value.
type nullable[T any] struct {
	Set, Null bool
	Value     T
}

// UnmarshalJSON implements json.Unmarshaler.
// A key given twice counts as its last value, as for every other field.
func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	var zero T
	n.Set, n.Null, n.Value = true, string(b) == "null", zero
	if n.Null {
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}
