package access_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// apiStatuses is the table of error codes of API.md (and its additions of
// milestone 2), written out independently of the code under test.
var apiStatuses = map[domain.Code]int{
	"invalid": 400, "unauthenticated": 401, "invalid_credentials": 401, "forbidden": 403, "higher_role": 403,
	"login_forbidden": 403, "not_found": 404, "sole_owner": 409, "seat_limit": 409, "team_leader": 409,
	"deletion_disabled": 409, "user_deleted": 409, "invalid_transition": 409, "not_assignable": 409,
	"email_taken": 409, "email_blocked": 409, "version_mismatch": 412, "idempotency_key_reused": 422,
	"projection_lagging": 504, "internal": 500, "unavailable": 503, "outcome_unknown": 503,
	"projection_failed": 503, "rate_limited": 429,
}

// Every refusal of the domain's vocabulary, however deeply wrapped, is
// answered with its own code and detail at the status API.md gives it.
func TestEveryCodeIsAnsweredAtTheStatusOfTheContract(t *testing.T) {
	t.Parallel()
	for code, want := range apiStatuses {
		if code == domain.CodeInternal {
			continue // not a refusal: see TestAnythingElseIsInternalNamingOnlyTheRequest
		}
		err := fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", domain.NewError(code, "why %s", code)))
		p := access.ProblemOf(err, "req-1")
		if p.Status != want || p.Code != code || p.Detail != "why "+string(code) || p.Title != http.StatusText(want) ||
			p.Type != "https://roster.dev/problems/"+string(code) {
			t.Errorf("%s: %+v, want status %d", code, p, want)
		}
	}
}

func TestAnInvalidInputNamesTheFieldAtFault(t *testing.T) {
	t.Parallel()
	p := access.ProblemOf(domain.InvalidField("owner.email", "owner.email is not an e-mail address"), "")
	if p.Status != 400 || p.Code != domain.CodeInvalid || p.Field != "owner.email" {
		t.Fatalf("%+v", p)
	}
}

// An error that says the database or event store could not be reached is
// 503: "unavailable" with Retry-After, or "outcome_unknown" telling the
// client to read the resource — never 500.
func TestAStoreOutOfReachIsUnavailableOrOutcomeUnknown(t *testing.T) {
	t.Parallel()
	unavailable := access.ProblemOf(fmt.Errorf("pgstore: append: %w: dial tcp: refused", eventstore.ErrUnavailable), "req-1")
	if unavailable.Status != 503 || unavailable.Code != domain.CodeUnavailable || unavailable.RetryAfter != access.RetryAfterUnavailable {
		t.Errorf("unavailable: %+v", unavailable)
	}
	unknown := access.ProblemOf(eventstore.AfterAppend(fmt.Errorf("%w: reset", eventstore.ErrUnavailable)), "req-1")
	if unknown.Status != 503 || unknown.Code != domain.CodeOutcomeUnknown || unknown.RetryAfter != 0 ||
		!strings.Contains(unknown.Detail, "read the resource") {
		t.Errorf("outcome unknown: %+v", unknown)
	}
	keyed := access.ProblemOf(domain.OutcomeUnknownError(true), "req-1")
	if keyed.Status != 503 || !strings.Contains(keyed.Detail, "retry with the same Idempotency-Key") {
		t.Errorf("a keyed command's outcome unknown: %+v", keyed)
	}
}

// Whatever else fails is 500 internal, whose detail names the request and
// nothing of the failure.
func TestAnythingElseIsInternalNamingOnlyTheRequest(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		errors.New(`ERROR: relation "sessions" does not exist (SQLSTATE 42P01)`),
		domain.NewError("no_such_code", "a code outside the vocabulary"),
	} {
		p := access.ProblemOf(err, "req-7")
		if p.Status != 500 || p.Code != domain.CodeInternal || p.Detail != "internal error; request id req-7" {
			t.Errorf("%v: %+v", err, p)
		}
	}
}

// Extend says what a refusal alone cannot: another status, when to retry
// (rounded up to whole seconds), and where a read model stopped.
func TestAnExtendedRefusalCarriesItsStatusRetryAfterAndPosition(t *testing.T) {
	t.Parallel()
	tooLarge := access.ProblemOf(access.Extend(domain.NewError(domain.CodeInvalid, "too large"), access.Extra{Status: 413}), "")
	if tooLarge.Status != 413 || tooLarge.Code != domain.CodeInvalid || tooLarge.Title != "Request Entity Too Large" {
		t.Errorf("413: %+v", tooLarge)
	}
	limited := access.ProblemOf(access.Extend(domain.NewError(domain.CodeRateLimited, "slow down"),
		access.Extra{RetryAfter: 1200 * time.Millisecond}), "")
	if limited.Status != 429 || limited.RetryAfter != 2 {
		t.Errorf("429: %+v", limited)
	}
	failed := access.ProblemOf(access.Extend(domain.NewError(domain.CodeProjectionFailed, "stopped"),
		access.Extra{Position: "12-34"}), "")
	if failed.Status != 503 || failed.Position != "12-34" || failed.RetryAfter != 0 {
		t.Errorf("projection failed: %+v", failed)
	}
}

// The document written is RFC 9457's, with the extension members that
// apply and no others; Retry-After is left alone when the response has one.
func TestAProblemIsWrittenAsAnRFC9457Document(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	w.Header().Set("Retry-After", "1")
	access.ProblemOf(domain.NewError(domain.CodeUnavailable, "busy"), "").Write(w)
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if w.Code != 503 || w.Header().Get("Content-Type") != "application/problem+json" || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	want := map[string]any{"type": "https://roster.dev/problems/unavailable", "title": "Service Unavailable",
		"status": float64(503), "detail": "busy", "code": "unavailable"}
	if fmt.Sprint(body) != fmt.Sprint(want) {
		t.Fatalf("body %v, want %v", body, want)
	}
	w = httptest.NewRecorder()
	access.ProblemOf(domain.UnavailableError(), "").Write(w)
	if got := w.Header().Get("Retry-After"); got != "2" {
		t.Fatalf("Retry-After %q, want 2", got)
	}
}
