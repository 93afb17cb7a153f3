package readapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// ProjectionState is one read model's progress as /v1/projections shows it.
type ProjectionState struct {
	Name       string  `json:"name"`
	Position   string  `json:"position"`
	LagEvents  int64   `json:"lag_events"`
	LagSeconds float64 `json:"lag_seconds"`
	// State is live, catching_up, rebuilding, failed (then Error says
	// why), or stopped (no process runs the projectors).
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	// Rebuild is the read model's last rebuild, if it had one.
	Rebuild *RebuildProgress `json:"rebuild,omitempty"`
	// FailedTenants are the tenants for which the read model stopped on an
	// event it could not apply; it goes on for every other tenant.
	FailedTenants []FailedTenant `json:"failed_tenants"`
}

// FailedTenant is a tenant whose read model stopped, as /v1/projections
// shows it.
type FailedTenant struct {
	Tenant         domain.TenantID `json:"tenant"`
	Position       string          `json:"position"`
	EventType      string          `json:"event_type"`
	EventID        string          `json:"event_id"`
	Error          string          `json:"error"`
	FailedAt       time.Time       `json:"failed_at"`
	RetryRequested *time.Time      `json:"retry_requested_at,omitempty"`
}

// FailedTenantOf is f as /v1/projections shows it.
func FailedTenantOf(f projections.TenantFailure) FailedTenant {
	return FailedTenant{Tenant: f.Tenant, Position: f.Position.String(), EventType: f.EventType, EventID: f.EventID,
		Error: f.Error, FailedAt: f.FailedAt, RetryRequested: f.RetryRequested}
}

// RebuildProgress is a rebuild as /v1/projections shows it.
type RebuildProgress struct {
	// State is requested, rebuilding, done or failed (then Error says why).
	State       string     `json:"state"`
	EventsDone  int64      `json:"events_done"`
	EventsTotal int64      `json:"events_total"` // the feed's events so far; grows with live traffic
	Verify      bool       `json:"verify"`
	Swap        bool       `json:"swap"`
	RequestedAt time.Time  `json:"requested_at"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	// Differences, after a verified rebuild, says how the rebuilt tables
	// differed from the live ones ("" when identical).
	Differences *string `json:"differences,omitempty"`
	Error       string  `json:"error,omitempty"`
}

// Rebuilds starts rebuilds and retries.
type Rebuilds interface {
	// RequestRebuild asks for the named read model to be rebuilt and returns
	// its state; ErrUnknownProjection when there is no such read model.
	RequestRebuild(ctx context.Context, name string) (ProjectionState, error)
	// Retry asks for the failed tenant's events to be applied again to the
	// named read model, and waits (at most until ctx ends) for the outcome;
	// ErrUnknownProjection, or projections.ErrNoFailure when the tenant's
	// read model has not failed.
	Retry(ctx context.Context, name string, tenant domain.TenantID) (RetryOutcome, error)
}

// RetryOutcome is a retry of a tenant's read model as the API answers it.
type RetryOutcome struct {
	Name   string          `json:"name"`
	Tenant domain.TenantID `json:"tenant"`
	// State is live (the held events applied, the failure cleared), failed
	// (stopped again: Failure says where) or retrying (not finished yet).
	State   string        `json:"state"`
	Failure *FailedTenant `json:"failure,omitempty"`
}

// The states of a RetryOutcome.
const (
	RetryLive     = "live"
	RetryFailed   = "failed"
	RetryRetrying = "retrying"
)

// ErrUnknownProjection is returned for a read model that does not exist.
var ErrUnknownProjection = errors.New("readapi: no such projection")

// errUnknownProjection is ErrUnknownProjection as the API answers it.
var errUnknownProjection = domain.NewError(domain.CodeNotFound, "no projection has this name")

// ProjectionStates reports every read model's progress.
type ProjectionStates interface {
	ProjectionStates(ctx context.Context) ([]ProjectionState, error)
}

// MountProjections adds GET /v1/projections, POST
// /v1/projections/{name}/rebuild and POST /v1/projections/{name}/retry
// (operators only); access.Middleware must run before them.
func MountProjections(r chi.Router, states ProjectionStates, rebuilds Rebuilds, log *slog.Logger) {
	r.Get("/v1/projections", allow(operator, "only the operator sees projections", func(w http.ResponseWriter, req *http.Request) {
		items, err := states.ProjectionStates(req.Context())
		if err != nil {
			access.Answer(log, w, req, fmt.Errorf("the projection states could not be read: %w", err))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items})
	}))
	r.Post("/v1/projections/{name}/rebuild", allow(operator, "only the operator rebuilds projections", func(w http.ResponseWriter, req *http.Request) {
		state, err := rebuilds.RequestRebuild(req.Context(), chi.URLParam(req, "name"))
		switch {
		case errors.Is(err, ErrUnknownProjection):
			access.Refuse(w, errUnknownProjection)
		case err != nil:
			access.Answer(log, w, req, fmt.Errorf("the rebuild could not be requested: %w", err))
		default:
			writeJSON(w, http.StatusAccepted, state)
		}
	}))
	r.Post("/v1/projections/{name}/retry", allow(operator, "only the operator retries projections", retryHandler(rebuilds, log)))
}

// retryWait bounds how long POST /v1/projections/{name}/retry waits for the
// projectors' process to carry the retry out before answering 202.
const retryWait = 20 * time.Second

// retryHandler answers POST /v1/projections/{name}/retry?tenant=T: 200 with
// the outcome once the retry ended, 202 while it goes on.
func retryHandler(rebuilds Rebuilds, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		tenant := domain.TenantID(req.URL.Query().Get("tenant"))
		var refusal *domain.Error
		if errors.As(tenant.Check("tenant"), &refusal) {
			access.Refuse(w, refusal)
			return
		}
		ctx, cancel := context.WithTimeout(req.Context(), retryWait)
		defer cancel()
		outcome, err := rebuilds.Retry(ctx, chi.URLParam(req, "name"), tenant)
		switch {
		case errors.Is(err, ErrUnknownProjection):
			access.Refuse(w, errUnknownProjection)
		case errors.Is(err, projections.ErrNoFailure):
			access.Refuse(w, domain.NewError(domain.CodeNotFound, "this projection has not failed for this tenant"))
		case err != nil:
			access.Answer(log, w, req, fmt.Errorf("the retry could not be requested: %w", err))
		case outcome.State == RetryRetrying:
			writeJSON(w, http.StatusAccepted, outcome)
		default:
			writeJSON(w, http.StatusOK, outcome)
		}
	}
}
