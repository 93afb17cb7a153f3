package writeapi

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
)

// maxBody is API.md's limit on request bodies.
const maxBody = 1 << 20

// errBodyTooLarge is answered 413 with code invalid.
var errBodyTooLarge = access.Extend(domain.NewError(domain.CodeInvalid, "the body is larger than 1 MiB"),
	access.Extra{Status: http.StatusRequestEntityTooLarge})

// DecodeBody reads r's body as one JSON object into a T, refusing unknown
// fields, trailing data and bodies over 1 MiB. An empty body is the empty
// object, for endpoints whose fields are all optional. It is exported for
// the HTTP adapters beside the write API (webhook endpoints), so that every
// body of the API is read by the same rules.
func DecodeBody[T any](w http.ResponseWriter, r *http.Request) (T, error) {
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

// decodeJSON is DecodeBody's parsing, separate so that fuzzing reaches it
// without HTTP. It decodes with encoding/json/v2's rules (the
// go-json-experiment module) rather than encoding/json's, because those
// keep what the contract says exactly: a member's name matches a field's
// exactly ("Role" is not "role"; encoding/json would take it for one), a
// name given twice is refused (encoding/json keeps the last), unknown
// members are refused, and so is text that encoding/json would accept but
// not keep as sent (invalid UTF-8, a lone UTF-16 surrogate escape such as
// "\ud800": it would store U+FFFD). Each refusal names the member at fault.
func decodeJSON(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	if err := oneObject(raw); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v, json.RejectUnknownMembers(true)); err != nil {
		return refusalOf(err)
	}
	return nil
}

// lenient reads any well-formed JSON, so that oneObject reports only the
// body's shape; what else decodeJSON refuses, refusalOf reports by member.
var lenient = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// oneObject refuses a body that is not exactly one well-formed JSON object.
func oneObject(raw []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), lenient...)
	value, err := dec.ReadValue()
	if err != nil {
		return invalid("malformed JSON body: %s", describeSyntax(err))
	}
	if value.Kind() != '{' {
		return invalid("the body must be a JSON object")
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return invalid("the body must hold exactly one JSON object")
	}
	return nil
}

// describeSyntax says where a body stops being JSON, without echoing it
// (it may hold a password).
func describeSyntax(err error) string {
	var syntax *jsontext.SyntacticError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end"
	}
	if errors.As(err, &syntax) {
		return fmt.Sprintf("syntax error at byte %d", syntax.ByteOffset)
	}
	return "not valid JSON"
}

// refusalOf turns a decoding error of a well-formed object into a refusal
// naming the member at fault.
func refusalOf(err error) error {
	var syntax *jsontext.SyntacticError
	var semantic *json.SemanticError
	switch {
	case errors.As(err, &syntax) && errors.Is(err, jsontext.ErrDuplicateName):
		return memberRefusal(syntax.JSONPointer, "%s is given more than once: each member may appear once")
	case errors.As(err, &syntax): // well formed (oneObject), so what is refused is the text
		return memberRefusal(syntax.JSONPointer, "%s must be valid Unicode text: valid UTF-8, and no lone UTF-16 surrogate escape (\\ud800–\\udfff)")
	case errors.As(err, &semantic) && errors.Is(err, json.ErrUnknownName):
		return memberRefusal(semantic.JSONPointer, "member names match the contract exactly, case included: unknown field %s")
	case errors.As(err, &semantic):
		return memberRefusal(semantic.JSONPointer, "%s must be "+expected(semantic))
	}
	return invalid("malformed JSON body: not valid JSON for this endpoint")
}

// maxFieldName bounds the member name a refusal carries as its "field".
const maxFieldName = 128

// memberRefusal is an invalid refusal about the member pointer points to:
// detail (a format with one %s, the member's name quoted, never its value)
// and "field" naming it as the API does ("owner.name"). A name that is no
// field name (longer than 128 characters, or holding control characters:
// a client's typo may be anything) is only quoted, shortened, in the detail.
func memberRefusal(pointer jsontext.Pointer, detail string) error {
	name := fieldOf(pointer)
	if name == "" {
		return domain.InvalidField("", detail, "the body")
	}
	field := name
	if (domain.Text{Max: maxFieldName}).Check("field", name) != nil {
		field = ""
	}
	return domain.InvalidField(field, detail, domain.Quote(name))
}

// expected says what a member of the failed type must hold.
func expected(e *json.SemanticError) string {
	t := e.GoType
	var v1 *stdjson.UnmarshalTypeError // from the inner decoding of a nullable
	if errors.As(e.Err, &v1) {
		t = v1.Type
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number in range"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
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

func invalid(format string, args ...any) error {
	return domain.NewError(domain.CodeInvalid, format, args...)
}

// nullable is a JSON field that distinguishes absent (Set false), null
// (Set, Null) and a value.
type nullable[T any] struct {
	Set, Null bool
	Value     T
}

// UnmarshalJSON implements json.Unmarshaler (of encoding/json/v2, called
// with the member's value: decodeJSON has already refused a member given
// twice).
func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	var zero T
	n.Set, n.Null, n.Value = true, string(b) == "null", zero
	if n.Null {
		return nil
	}
	return stdjson.Unmarshal(b, &n.Value)
}
