package access

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/domain"
)

// pathParameters says what each path parameter of the API may hold: the
// domain's id types, and the name of a read model.
var pathParameters = map[string]func(value string) error{
	"tenant":     func(v string) error { return domain.TenantID(v).Check("tenant") },
	"user":       func(v string) error { return domain.UserID(v).Check("user") },
	"team":       func(v string) error { return domain.TeamID(v).Check("team") },
	"item":       func(v string) error { return domain.WorkItemID(v).Check("item") },
	"connection": func(v string) error { return domain.ConnectionID(v).Check("connection") },
	"name":       checkReadModelName,
	"webhook":    checkWebhookID,
}

// maxOtherParameter bounds a path parameter missing from pathParameters.
const maxOtherParameter = 128

// ValidPath answers 400 invalid, naming the parameter, to a request whose
// path parameters are not all well formed, so that no handler, token check
// or query ever sees one. A parameter without a rule of its own is held to
// the domain's text rule and 128 characters: a NUL or invalid UTF-8 never
// reaches PostgreSQL, whatever route is added.
//
// It runs before authentication (the routes' groups put it first): the id
// alphabets are public (the OpenAPI document's patterns), so a 400 tells a
// caller nothing it could not know; a malformed tenant id gets the same 400
// from the operator and from a session of any tenant, where the session
// check would answer a well-formed other tenant's id with 404; and no token
// lookup is spent on a request that cannot be served.
func ValidPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusal := CheckPath(r); refusal != nil {
			Refuse(w, refusal)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CheckPath is ValidPath's check, for middleware of its own (the write
// API's): the refusal of r's first path parameter that is not well formed,
// nil when every one is.
func CheckPath(r *http.Request) *domain.Error {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		for i, name := range rc.URLParams.Keys {
			if err := checkPathParameter(name, rc.URLParams.Values[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkPathParameter(name, value string) *domain.Error {
	check, ok := pathParameters[name]
	if !ok {
		check = func(v string) error { return domain.Text{Max: maxOtherParameter}.Check(name, v) }
	}
	var refusal *domain.Error
	if err := check(value); errors.As(err, &refusal) {
		return refusal
	}
	return nil
}

// checkReadModelName refuses what cannot be a read model's name (users_v2,
// or users): 1–64 characters of a-z, 0-9 and _. Whether one of that name
// exists is for the route to say (404).
func checkReadModelName(v string) error {
	ok := len(v) >= 1 && len(v) <= 64
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	if !ok {
		return domain.InvalidField("name", "name must be a read model's name: 1–64 characters of a-z, 0-9 and _")
	}
	return nil
}

// checkWebhookID refuses what cannot be a webhook endpoint's id: a UUID in
// its canonical text (36 characters of 0-9, a-f and four dashes), as
// endpoints are given. Whether one of that id exists is for the route to
// say (404).
func checkWebhookID(v string) error {
	ok := len(v) == 36
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			ok = c == '-'
		} else {
			ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
		}
	}
	if !ok {
		return domain.InvalidField("webhook", "webhook must be a webhook endpoint's id, a UUID such as 01234567-89ab-7def-8123-456789abcdef")
	}
	return nil
}
