package writeapi

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// envelope is the command envelope of a request: its tenant, reason,
// Idempotency-Key and caller (the principal, whose keys are theirs alone),
// and ids tying its events to the request (the request id) and to the
// caller's operation (X-Correlation-ID, else the request id). The handler
// checks the tenant, the reason and the key (the domain's rules).
func envelope(r *http.Request, tenant domain.TenantID, reason string) execution.Envelope {
	id := middleware.GetReqID(r.Context())
	correlation := r.Header.Get("X-Correlation-ID")
	if correlation == "" || len(correlation) > 128 || !printable(correlation) {
		correlation = id
	}
	return execution.Envelope{Tenant: tenant, Reason: reason, CorrelationID: correlation, CausationID: id,
		IdempotencyKey: r.Header.Get("Idempotency-Key"), Caller: principal(r).Actor()}
}

func printable(s string) bool {
	for _, c := range s {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

// ifMatch reads If-Match: "<version>" (quotes optional); nil when absent.
func ifMatch(r *http.Request) (*int64, error) {
	raw := strings.TrimSpace(r.Header.Get("If-Match"))
	if raw == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSuffix(raw, `"`), `"`), 10, 64)
	if err != nil || v < 0 {
		return nil, domain.InvalidField("If-Match", `If-Match must be a version, as in "3"`)
	}
	return &v, nil
}

// noIfMatch refuses If-Match on a write whose resource carries no version
// (teams, work items, transfers, creations): a precondition the server
// cannot check must not be taken as met.
func noIfMatch(r *http.Request) error {
	if r.Header.Get("If-Match") == "" {
		return nil
	}
	return domain.InvalidField("If-Match", "this resource has no version to match: send If-Match only to users and to a tenant's policy and seats")
}

// dryRunOf reads ?dry_run=: "true" asks what the write would do, storing
// nothing; "false" or no parameter carries it out. Anything else is
// refused, never taken for a real call.
func dryRunOf(r *http.Request) (bool, error) {
	values, ok := r.URL.Query()["dry_run"]
	switch {
	case !ok:
		return false, nil
	case len(values) == 1 && values[0] == "true":
		return true, nil
	case len(values) == 1 && values[0] == "false":
		return false, nil
	}
	return false, domain.InvalidField("dry_run", "dry_run must be true or false, given once")
}
