package scim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	chimiddleware "github.com/go-chi/chi/v5/middleware"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/rosterhq/roster/domain"
)

// scimError builds the SCIM error of status and scimType (which may be
// empty) with detail.
func scimError(status int, scimType scimerrors.ScimType, detail string) scimerrors.ScimError {
	return scimerrors.ScimError{Status: status, ScimType: scimType, Detail: detail}
}

// The protocol errors this package raises itself. The library only
// recognises an error returned by a resource handler as a ScimError value
// (not a pointer): anything else becomes a 500 that shows the error's text.
func invalidPath(detail string) error {
	return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidPath, detail)
}
func invalidValue(detail string) error {
	return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, detail)
}
func invalidFilter(detail string) error {
	return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidFilter, detail)
}
func mutability(detail string) error {
	return scimError(http.StatusBadRequest, scimerrors.ScimTypeMutability, detail)
}

// refusalOf maps a refusal of Roster's vocabulary to its SCIM error; ok is
// false for the codes that are no refusal of the request (internal errors,
// outages), which answer 500.
//
// Every refusal of the state (seat_limit, sole_owner, team_leader,
// invalid_transition, deletion_disabled, ...) is 409 without a scimType,
// whatever attribute the request touched: RFC 7644 §3.12 gives 409 to a
// request the service provider's state refuses, and the Directory does not
// say which attribute a rule was about. The scimType mutability is kept for
// what this package itself refuses about an attribute (a required or
// read-only one); higher_role and forbidden are 403, as the JSON API has
// them. The detail is the domain's, which names the rule.
//
// A conflict that names the field at fault (domain.Error.Field: another
// user's external id, another group's name) is about a value another
// resource already has: 409 uniqueness, as email_taken is, which Entra
// and Okta read as "this one exists already".
func refusalOf(e *domain.Error) (scimerrors.ScimError, bool) {
	if e.Code == domain.CodeInvalidTransition && e.Field != "" {
		return scimError(http.StatusConflict, scimerrors.ScimTypeUniqueness, e.Detail), true
	}
	switch e.Code {
	case domain.CodeNotFound, domain.CodeUserDeleted:
		return scimError(http.StatusNotFound, "", e.Detail), true
	case domain.CodeEmailTaken:
		return scimError(http.StatusConflict, scimerrors.ScimTypeUniqueness, e.Detail), true
	case domain.CodeForbidden, domain.CodeHigherRole:
		return scimError(http.StatusForbidden, "", e.Detail), true
	case domain.CodeInvalid:
		return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, e.Detail), true
	case domain.CodeUnauthenticated, domain.CodeInvalidCredentials:
		return scimError(http.StatusUnauthorized, "", e.Detail), true
	}
	switch e.Kind() {
	case domain.Conflict, domain.PreconditionFailed, domain.Unprocessable:
		return scimError(http.StatusConflict, "", e.Detail), true
	}
	return scimerrors.ScimError{}, false
}

// failure turns an error of the Directory into the error a resource handler
// returns to the library, and logs it: a refusal at Info with its code and
// the connection's name only (never a token, e-mail or name), anything else
// with the request id that the 500's detail also names.
func failure(log *slog.Logger, r *http.Request, err error) scimerrors.ScimError {
	var refusal *domain.Error
	if errors.As(err, &refusal) {
		if e, ok := refusalOf(refusal); ok {
			log.Info("scim request refused", "code", refusal.Code, "connection", connectionOf(r).Name)
			return e
		}
	}
	id := chimiddleware.GetReqID(r.Context())
	attrs := []any{"request_id", id, "connection", connectionOf(r).Name, "method", r.Method, "error", err}
	if code := domain.CodeOf(err); code.Kind().Passing() && code != domain.CodeInternal {
		log.Warn("scim request not served", append(attrs, "code", code)...)
	} else {
		log.Error("scim request failed", attrs...)
	}
	detail := "internal error"
	if id != "" {
		detail += ", request id " + id
	}
	return scimError(http.StatusInternalServerError, "", detail)
}

// writeError answers with e in SCIM's error format, for what this package
// answers before the library is reached (authentication, the body).
func writeError(w http.ResponseWriter, e scimerrors.ScimError) {
	raw, _ := json.Marshal(e) // a ScimError always marshals
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.Status)
	_, _ = w.Write(raw) // the client went away; nothing to do
}

// contentType is SCIM's media type (RFC 7644 §3.1), on every reply.
const contentType = "application/scim+json"

// libraryLog receives what the library logs (a marshalling or write
// failure). The library passes the resource along with some messages; only
// the message and the errors are kept, so that no e-mail or name is logged.
type libraryLog struct{ log *slog.Logger }

func (l libraryLog) Error(args ...any) {
	msg := "scim library failure"
	if len(args) > 0 {
		if s, ok := args[0].(string); ok {
			msg = "scim library: " + s
		}
	}
	var attrs []any
	for _, a := range args {
		if err, ok := a.(error); ok {
			attrs = append(attrs, "error", err)
		}
	}
	l.log.Error(msg, attrs...)
}
