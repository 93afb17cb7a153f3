package scim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// serve has the library answer r, and rewrites its reply where the library
// falls short: a list's itemsPerPage is the number of resources on the
// page (the library echoes count), and the attributes and
// excludedAttributes parameters, which the library ignores, are honoured
// (RFC 7644 §3.4.2.5). Other replies pass through untouched.
func serve(w http.ResponseWriter, r *http.Request, lib http.Handler, ep endpoint) {
	p := projectionOf(r.URL.Query(), ep.schemas)
	list := ep.list && r.Method == http.MethodGet
	if ep.name == "" || !list && p.empty() {
		lib.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder() // the library's reply, for serve to rewrite
	lib.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK || rec.Code == http.StatusCreated {
		if shaped, ok := reshape(body, list, p); ok {
			body = shaped
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body) // the client went away; nothing to do
}

// reshape applies p to a resource, or to every resource of a list, and
// sets the list's itemsPerPage; ok is false for a body that is no JSON
// object, left as it is.
func reshape(body []byte, list bool, p projection) ([]byte, bool) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var doc map[string]any
	if d.Decode(&doc) != nil || doc == nil {
		return nil, false
	}
	if !list {
		doc = p.apply(doc)
	} else {
		resources, _ := doc["Resources"].([]any)
		for i, res := range resources {
			if m, ok := res.(map[string]any); ok {
				resources[i] = p.apply(m)
			}
		}
		if resources == nil {
			resources = []any{}
		}
		doc["Resources"], doc["itemsPerPage"] = resources, len(resources)
	}
	out, err := json.Marshal(doc)
	return out, err == nil
}

// projection is what the attributes and excludedAttributes parameters ask
// of a reply: only the attributes named (plus id and schemas, always
// returned), or all but those named.
type projection struct {
	include, exclude []attrPath
}

// attrPath is a named attribute, and the sub-attribute if one is named:
// "name.givenName", "emails.value", an extension's
// "urn:...:enterprise:2.0:User:manager" (top is then the extension's URN,
// under which its attributes are).
type attrPath struct{ top, sub string }

func projectionOf(q map[string][]string, schemas []string) projection {
	return projection{include: attrPaths(q["attributes"], schemas), exclude: attrPaths(q["excludedAttributes"], schemas)}
}

func (p projection) empty() bool { return len(p.include) == 0 && len(p.exclude) == 0 }

// attrPaths parses the comma-separated lists of a parameter. The core
// schema's URN is dropped as a prefix (schemas[0]); an extension's names
// the extension's object.
func attrPaths(values, schemas []string) []attrPath {
	var paths []attrPath
	for _, v := range values {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				paths = append(paths, parseAttrPath(name, schemas))
			}
		}
	}
	return paths
}

func parseAttrPath(name string, schemas []string) attrPath {
	for i, urn := range schemas {
		if strings.EqualFold(name, urn) {
			return attrPath{top: urn}
		}
		if len(name) > len(urn) && strings.EqualFold(name[:len(urn)+1], urn+":") {
			if i > 0 {
				return attrPath{top: urn, sub: name[len(urn)+1:]}
			}
			name = name[len(urn)+1:]
			break
		}
	}
	top, sub, _ := strings.Cut(name, ".")
	return attrPath{top: top, sub: sub}
}

// apply returns res as p asks. Names compare case-insensitively; id and
// schemas are always kept.
func (p projection) apply(res map[string]any) map[string]any {
	if len(p.include) > 0 {
		out := map[string]any{}
		for _, always := range []string{"id", "schemas"} {
			if k, v, ok := lookup(res, always); ok {
				out[k] = v
			}
		}
		for _, a := range p.include {
			if k, v, ok := lookup(res, a.top); ok {
				out[k] = merge(out[k], subOf(v, a.sub))
			}
		}
		res = out
	}
	for _, a := range p.exclude {
		if k, v, ok := lookup(res, a.top); ok && !strings.EqualFold(k, "id") && !strings.EqualFold(k, "schemas") {
			if a.sub == "" {
				delete(res, k)
			} else {
				dropSub(v, a.sub)
			}
		}
	}
	return res
}

// subOf is v's sub-attribute sub, or each value's for a multi-valued v; v
// itself for no sub. Values without it are left out.
func subOf(v any, sub string) any {
	if sub == "" {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		if k, s, ok := lookup(v, sub); ok {
			return map[string]any{k: s}
		}
		return map[string]any{}
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			out = append(out, subOf(e, sub))
		}
		return out
	}
	return nil
}

// merge joins two projections of one attribute ("name.givenName" and
// "name.familyName"); b alone when a is nothing.
func merge(a, b any) any {
	switch a := a.(type) {
	case map[string]any:
		if b, ok := b.(map[string]any); ok {
			for k, v := range b {
				a[k] = v
			}
			return a
		}
	case []any:
		if b, ok := b.([]any); ok && len(a) == len(b) {
			for i := range a {
				a[i] = merge(a[i], b[i])
			}
			return a
		}
	}
	return b
}

// dropSub deletes sub from v, or from each of its values.
func dropSub(v any, sub string) {
	switch v := v.(type) {
	case map[string]any:
		if k, _, ok := lookup(v, sub); ok {
			delete(v, k)
		}
	case []any:
		for _, e := range v {
			dropSub(e, sub)
		}
	}
}
