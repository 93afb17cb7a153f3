package writeapi

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rosterhq/roster/domain"
)

// echoFloor is the input length from which a problem detail containing the
// whole input counts as an echo of it (shorter inputs, such as "JSON", may
// occur in a detail's fixed wording by chance).
const echoFloor = 8

// bodyKinds check decodeJSON for every body type of the write endpoints.
var bodyKinds = []func(t *testing.T, raw []byte){
	kindOf[loginBody]("login"), kindOf[introspectBody]("introspect"),
	kindOf[createTenantBody]("create tenant"), kindOf[policyBody]("policy"),
	kindOf[seatsBody]("seats"), kindOf[purchaseBody]("purchase"),
	kindOf[inviteBody]("invite"), kindOf[reasonBody]("reason"),
	kindOf[deactivateBody]("deactivate"), kindOf[roleBody]("role"),
	kindOf[passwordBody]("password"), kindOf[teamBody]("team"),
	kindOf[leaderBody]("leader"), kindOf[workBody]("work"),
	kindOf[transferBody]("transfer"),
}

// FuzzDecodeBody: for every body type, decodeJSON on any bytes either
// succeeds, with a value that survives re-encoding, from a body of valid
// UTF-8, or refuses with code invalid and a detail that does not repeat the
// input (which may hold a password).
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		``, ` `, `{}`, `null`, `[]`, `"x"`, `{} {}`, `{}x`, `{`, `{"reason":`, `{"reason": "moved on"}`,
		`{"email": "ann@acme.example", "password": "hunter2 hunter2"}`, `{"token": "rst_abc"}`,
		`{"id": "acme", "name": "Acme", "preset": "strict", "seats": 10, "policy": {"deletion_allowed": true,
			"managers_of_users": [], "seat_limit": "enforced"}, "owner": {"email": "o@acme.example", "name": "O", "password": "pw"}}`,
		`{"policy": null, "owner": null}`, `{"seats": 1e3}`, `{"seats": -1}`, `{"seats": 99999999999999999999}`,
		`{"preset": "helpdesk", "managers_of_users": ["owner", "admin"], "handoff_on_deactivate": "team_leader"}`,
		`{"id": "ann", "email": "ann@acme.example", "name": "Ann", "role": "member", "kind": "customer",
			"teams": ["crew"], "password": "secret secret", "activate": true}`, `{"teams": null}`, `{"teams": []}`,
		`{"reason": "r", "handoff_to": "unassigned", "allow_reactivation_on_purchase": true}`, `{"handoff_to": null}`,
		`{"role": "owner"}`, `{"password": "correct horse battery staple"}`, `{"name": "Crew", "leader": "ann"}`,
		`{"name": "Crew", "leader": null}`, `{"leader": null, "leader": "ann"}`, `{"user": null}`, `{"user": 7}`,
		`{"kind": "job", "assignee": "ann"}`, `{"assignee": null}`, `{"from": "ann", "to": "unassigned", "items": ["j1"]}`,
		`{"EMAIL": "x@y.z", "Password": "p"}`, `{"password": "\ud800 \u0000 \xff"}`, `{"unknown_password_field": "secret"}`,
		`{"password": 12345678}`, `{"owner": {"password": ["x"]}}`, "\ufeff{}", `{"a":{"b":[1,2,{"c":null}]}}`,
		`{"name": "\ud800"}`, `{"name": "a\udc00b"}`, `{"reason": "\ud83d\ude00"}`, `{"owner": {"name": "\ud800\u0041"}}`,
		`{"teams": ["red", "\udfff"]}`, "{\"reason\": \"\xff\"}", "{\"name\": \"\xed\xa0\x80\"}", `{"kind": "\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, check := range bodyKinds {
			check(t, raw)
		}
	})
}

// kindOf checks decodeJSON for T, named name in failures.
func kindOf[T any](name string) func(t *testing.T, raw []byte) {
	return func(t *testing.T, raw []byte) {
		t.Helper()
		var got T
		if err := decodeJSON(raw, &got); err != nil {
			checkRefusal(t, name, raw, err)
			return
		}
		if !utf8.Valid(raw) {
			t.Fatalf("%s: %q is not UTF-8, and was accepted", name, raw)
		}
		checkRoundTrip(t, name, raw, got)
	}
}

// checkRefusal fails unless err is an invalid-input refusal whose detail
// does not repeat raw.
func checkRefusal(t *testing.T, name string, raw []byte, err error) {
	t.Helper()
	var refusal *domain.Error
	if !errors.As(err, &refusal) || refusal.Code != domain.CodeInvalid {
		t.Fatalf("%s: decoding %q failed with %#v, want a *domain.Error with code invalid", name, raw, err)
	}
	if len(raw) >= echoFloor && strings.Contains(refusal.Detail, string(raw)) {
		t.Fatalf("%s: the detail %q repeats the input %q", name, refusal.Detail, raw)
	}
}

// checkRoundTrip fails unless got, accepted from raw, re-encodes to a body
// that decodes to the same value.
func checkRoundTrip[T any](t *testing.T, name string, raw []byte, got T) {
	t.Helper()
	encoded, err := json.Marshal(encodeField(reflect.ValueOf(got)))
	if err != nil {
		t.Fatalf("%s: re-encoding %#v (from %q): %v", name, got, raw, err)
	}
	var again T
	if err := decodeJSON(encoded, &again); err != nil {
		t.Fatalf("%s: %q re-encodes to %s, which is refused: %v", name, raw, encoded, err)
	}
	canonical(reflect.ValueOf(&got).Elem())
	canonical(reflect.ValueOf(&again).Elem())
	if !reflect.DeepEqual(got, again) {
		t.Fatalf("%s: %q decodes to %#v, re-encoded %s decodes to %#v", name, raw, got, encoded, again)
	}
}

// isNullable says whether t is a nullable[...] field type.
func isNullable(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "nullable[")
}

// encodeField is v as the JSON body would carry it, every field spelled
// out (no omitempty: an empty list stays an empty list) and an absent
// nullable left out.
func encodeField(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Kind() == reflect.Pointer {
			return encodeField(v.Elem())
		}
		items := make([]any, v.Len())
		for i := range items {
			items[i] = encodeField(v.Index(i))
		}
		return items
	case reflect.Struct:
		return encodeStruct(v)
	}
	return v.Interface()
}

func encodeStruct(v reflect.Value) map[string]any {
	object := map[string]any{}
	for i := range v.NumField() {
		field, value := v.Type().Field(i), v.Field(i)
		if field.Anonymous {
			for name, inner := range encodeStruct(value) {
				object[name] = inner
			}
			continue
		}
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		switch {
		case !isNullable(field.Type):
			object[name] = encodeField(value)
		case value.FieldByName("Null").Bool():
			object[name] = nil
		case value.FieldByName("Set").Bool():
			object[name] = encodeField(value.FieldByName("Value"))
		}
	}
	return object
}

// canonical clears the value of every null nullable in the struct v: a
// null carries no value (the handlers read Null first), so
// {"leader": null, "leader": "ann"} means the same as {"leader": null}.
func canonical(v reflect.Value) {
	for i := range v.NumField() {
		value := v.Field(i)
		if isNullable(value.Type()) && value.FieldByName("Null").Bool() {
			inner := value.FieldByName("Value")
			inner.Set(reflect.Zero(inner.Type()))
		}
	}
}

// A body whose text encoding/json would store otherwise than sent — bytes
// that are not UTF-8, lone UTF-16 surrogate escapes — is refused as invalid
// naming the member that holds it; a surrogate pair and a NUL escape (which
// the domain refuses, not the decoder) pass.
func TestDecodingRefusesTextThatWouldNotBeKeptAsSent(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct{ raw, field string }{
		"lone_high_surrogate":           {`{"name": "A\ud800B"}`, "name"},
		"lone_low_surrogate":            {`{"name": "\udc00"}`, "name"},
		"high_surrogate_then_non_low":   {`{"owner": {"name": "\ud800\u0041"}}`, "owner.name"},
		"surrogate_in_a_list":           {`{"teams": ["red", "\udfff"]}`, "teams"},
		"byte_that_is_not_utf8":         {"{\"reason\": \"A\xffB\"}", "reason"},
		"surrogate_encoded_as_utf8":     {"{\"name\": \"\xed\xa0\x80\"}", "name"},
		"byte_that_is_not_utf8_in_deep": {"{\"owner\": {\"email\": \"\xc3\"}}", "owner.email"},
	} {
		var body struct {
			Name   string   `json:"name"`
			Reason string   `json:"reason"`
			Teams  []string `json:"teams"`
			Owner  struct {
				Name  string `json:"name"`
				Email string `json:"email"`
			} `json:"owner"`
		}
		err := decodeJSON([]byte(c.raw), &body)
		var refusal *domain.Error
		if !errors.As(err, &refusal) || refusal.Code != domain.CodeInvalid || refusal.Field != c.field {
			t.Errorf("%s: decodeJSON(%q) = %v, want invalid naming %q", name, c.raw, err, c.field)
		}
	}
	for _, raw := range []string{`{"name": "\ud83d\ude00"}`, `{"name": "\u0000"}`, `{"name": "\ufffd"}`} {
		var body struct {
			Name string `json:"name"`
		}
		if err := decodeJSON([]byte(raw), &body); err != nil {
			t.Errorf("decodeJSON(%q) = %v, want it accepted", raw, err)
		}
	}
}

// An unknown field is named in the refusal, as a short escaped prefix: the
// name is the caller's and may be any length or hold anything.
func TestAnUnknownFieldIsNamedButNeverEchoedWhole(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 10_000)
	for raw, want := range map[string]string{
		`{"emial": "a@b.c"}`:          `unknown field "emial"`,
		`{"` + long + `": 1}`:         `unknown field "` + strings.Repeat("x", 32) + `"…`,
		`{"a\u0000\u001b\u0085b": 1}`: `unknown field "a\x00\x1b\u0085b"`,
	} {
		var body reasonBody
		err := decodeJSON([]byte(raw), &body)
		var refusal *domain.Error
		if !errors.As(err, &refusal) || !strings.HasSuffix(refusal.Detail, want) {
			t.Errorf("decodeJSON(%.40q) = %v, want a detail ending %s", raw, err, want)
		}
	}
}
