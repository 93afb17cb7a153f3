package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/go-json-experiment/json/jsontext"
)

// maxBody bounds a request body: 1 MiB, the JSON API's limit and the
// maxPayloadSize the library advertises.
const maxBody = 1 << 20

// prepareBody reads the body of a POST, PUT or PATCH, bounded by maxBody
// (413), and on /Users and /Groups hands the library a normalised copy
// (normaliseBody); a body that is no JSON object is 400 invalidSyntax.
// The library would read an unbounded body, and take a truncated one for
// malformed.
func prepareBody(w http.ResponseWriter, r *http.Request, ep endpoint) (scimerrors.ScimError, bool) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return scimerrors.ScimError{}, true
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return scimError(http.StatusRequestEntityTooLarge, "", "the body is larger than 1 MiB"), false
	case err != nil:
		return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "the body could not be read"), false
	}
	if !keptAsSent(raw) {
		return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax,
			"the body must be valid Unicode text: valid UTF-8, and no lone UTF-16 surrogate escape (\\ud800–\\udfff)"), false
	}
	if ep.name != "" {
		if raw, err = normaliseBody(raw, r.Method); err != nil {
			return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "the body is not a JSON object"), false
		}
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
	return scimerrors.ScimError{}, true
}

// keptAsSent says whether every string of raw is text that encoding/json
// (the library's and normaliseBody's decoder) keeps as sent: it would turn
// invalid UTF-8 and a lone surrogate escape ("\ud800") into U+FFFD and store
// that. jsontext refuses both unless told to allow them, so a body that
// reads only when allowed has such text; whether raw is JSON at all is
// judged later.
func keptAsSent(raw []byte) bool {
	return readsThrough(raw) || !readsThrough(raw, jsontext.AllowInvalidUTF8(true))
}

// readsThrough says whether raw reads as JSON tokens to its end.
func readsThrough(raw []byte, opts ...jsontext.Options) bool {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), append(opts, jsontext.AllowDuplicateNames(true))...)
	for {
		switch _, err := dec.ReadToken(); {
		case err == io.EOF:
			return true
		case err != nil:
			return false
		}
	}
}

// normaliseBody rewrites what real clients send into what the library
// validates: a PATCH by normalisePatch, a resource by normaliseResource.
// Numbers are kept as written (json.Number), as the library reads them.
func normaliseBody(raw []byte, method string) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var body map[string]any
	if err := d.Decode(&body); err != nil || body == nil {
		return nil, errors.New("not a JSON object")
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	if method == http.MethodPatch {
		normalisePatch(body)
	} else {
		normaliseResource(body)
	}
	return json.Marshal(body)
}

// normaliseResource turns Entra's string booleans ("True", "False") into
// booleans and its plain-string manager into {"value": ...}, which the
// enterprise schema's complex manager takes.
func normaliseResource(body map[string]any) {
	normaliseBooleans(body)
	if _, ext, ok := lookup(body, enterpriseSchema); ok {
		if ext, ok := ext.(map[string]any); ok {
			if k, m, ok := lookup(ext, "manager"); ok {
				ext[k] = normaliseValue("manager", m)
			}
		}
	}
}

// normalisePatch splits every path-less add or replace into one operation
// per attribute (normaliseOperation), so that the library judges each key
// as the path it is: dotted keys ("name.givenName"), value-path keys
// (`emails[type eq "work"].value`), URN-prefixed keys, and unknown names,
// refused as invalid paths like any other. RFC 7644 §3.5.2.1 gives a
// path-less value exactly that meaning.
func normalisePatch(body map[string]any) {
	key, ops, _ := lookup(body, "Operations")
	list, ok := ops.([]any)
	if !ok {
		return // the library refuses it
	}
	out := make([]any, 0, len(list))
	for _, o := range list {
		if op, ok := o.(map[string]any); ok {
			out = append(out, normaliseOperation(op)...)
		} else {
			out = append(out, o)
		}
	}
	body[key] = out
}

// normaliseOperation returns op as one or more operations with a path, and
// their values normalised (normaliseValue). The keys id, schemas and meta
// of a path-less value are dropped: Okta sends the id along, and none is
// writable. The members of an extension's object become URN-prefixed paths.
func normaliseOperation(op map[string]any) []any {
	_, name, _ := lookup(op, "op")
	_, path, _ := lookup(op, "path")
	valueKey, value, _ := lookup(op, "value")
	values, isObject := value.(map[string]any)
	if p, isString := path.(string); p != "" || path != nil && !isString || !isObject || isRemove(name) {
		if isString && valueKey != "" {
			op[valueKey] = normaliseValue(p, value)
		}
		return []any{op} // as it is, for the library to judge a remove without a path, or a path that is no string
	}
	var out []any
	for _, k := range sortedKeys(values) {
		ext, isExt := values[k].(map[string]any)
		switch {
		case isIgnoredKey(k):
		case isExt && strings.EqualFold(k, enterpriseSchema):
			for _, sub := range sortedKeys(ext) {
				out = append(out, operation(name, k+":"+sub, ext[sub]))
			}
		default:
			out = append(out, operation(name, k, values[k]))
		}
	}
	if len(out) == 0 {
		return []any{op} // nothing but ignored keys: the library judges it
	}
	return out
}

func isRemove(name any) bool {
	s, _ := name.(string)
	return strings.EqualFold(s, "remove")
}

func operation(name any, path string, value any) map[string]any {
	return map[string]any{"op": name, "path": path, "value": normaliseValue(path, value)}
}

// normaliseValue normalises the value of the attribute that path names:
// "True"/"False" for a boolean (active, primary), a plain string for the
// enterprise manager (Entra) as {"value": ...}, and string booleans within
// a complex or multi-valued value.
func normaliseValue(path string, value any) any {
	if s, ok := value.(string); ok {
		switch lastName(path) {
		case "active", "primary":
			if b, ok := parseBool(s); ok {
				return b
			}
		case "manager":
			return map[string]any{"value": s}
		}
	}
	normaliseBooleans(value)
	return value
}

// normaliseBooleans turns the string values of every "active" and
// "primary" member within v into booleans, in place. Both are booleans
// wherever they occur in the User and Group schemas.
func normaliseBooleans(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, member := range v {
			if s, ok := member.(string); ok && (strings.EqualFold(k, "active") || strings.EqualFold(k, "primary")) {
				if b, ok := parseBool(s); ok {
					v[k] = b
				}
			}
			normaliseBooleans(member)
		}
	case []any:
		for _, e := range v {
			normaliseBooleans(e)
		}
	}
}

func parseBool(s string) (value, ok bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// lastName is the lower-cased last attribute name of a path, value filters
// left out: "emails[type eq \"work\"].value" → "value",
// "urn:...:User:manager" → "manager".
func lastName(path string) string {
	var b strings.Builder
	depth := 0
	for _, r := range path {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	s := b.String()
	return strings.ToLower(s[strings.LastIndexAny(s, ".:")+1:])
}

func isIgnoredKey(k string) bool {
	return strings.EqualFold(k, "id") || strings.EqualFold(k, "schemas") || strings.EqualFold(k, "meta")
}

// lookup finds the member of m named name, case-insensitively as SCIM
// names are (RFC 7643 §2.1), preferring the exact spelling.
func lookup(m map[string]any, name string) (key string, value any, ok bool) {
	if v, ok := m[name]; ok {
		return name, v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
