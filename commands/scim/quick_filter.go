package scim

import (
	"context"
	"net/http"
	"regexp"
	"strings"
)

// The filters identity providers send on nearly every request are one
// equality on userName or externalId (Okta looks a user up before creating
// them; Entra's test connection and every sync does the same). The
// library's general filter parser costs about 250 µs of CPU for each, more
// than the look-up itself, so such a filter is read here and handed to
// GetAll beside the library, which then sees no filter at all. Anything
// else — another attribute, a schema-qualified path, and, or, other
// operators — goes to the library's parser as before.
var simpleUserFilterPattern = regexp.MustCompile(`(?i)^\s*(userName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$`)

type userFilterKey struct{}

// takeSimpleUserFilter removes from r's query a filter of that one shape on
// a list of users, and returns r carrying it as a UserFilter instead.
func takeSimpleUserFilter(r *http.Request, ep endpoint) *http.Request {
	if ep.name != "/Users" || !ep.list || r.Method != http.MethodGet {
		return r
	}
	q := r.URL.Query()
	m := simpleUserFilterPattern.FindStringSubmatch(q.Get("filter"))
	if m == nil || len(q["filter"]) != 1 {
		return r
	}
	value := unescape(m[2])
	var f UserFilter
	if strings.EqualFold(m[1], "userName") {
		f.UserName = &value
	} else {
		f.ExternalID = &value
	}
	q.Del("filter")
	u := *r.URL
	u.RawQuery = q.Encode()
	r = r.WithContext(context.WithValue(r.Context(), userFilterKey{}, f))
	r.URL = &u
	return r
}

// simpleUserFilter is the filter takeSimpleUserFilter took from r, if any.
func simpleUserFilter(r *http.Request) (UserFilter, bool) {
	f, ok := r.Context().Value(userFilterKey{}).(UserFilter)
	return f, ok
}
