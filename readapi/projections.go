package readapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/domain"
)

// ProjectionState is one read model's progress as /v1/projections shows it.
type ProjectionState struct {
	Name       string  `json:"name"`
	Position   string  `json:"position"`
	LagEvents  int64   `json:"lag_events"`
	LagSeconds float64 `json:"lag_seconds"`
	// State is live, catching_up, rebuilding, or failed (then Error says why).
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	// Rebuild is the read model's last rebuild, if it had one.
	Rebuild *RebuildProgress `json:"rebuild,omitempty"`
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

// Rebuilds starts rebuilds.
type Rebuilds interface {
	// RequestRebuild asks for the named read model to be rebuilt and returns
	// its state; ErrUnknownProjection when there is no such read model.
	RequestRebuild(ctx context.Context, name string) (ProjectionState, error)
}

// ErrUnknownProjection is returned for a read model that does not exist.
var ErrUnknownProjection = errors.New("readapi: no such projection")

// ProjectionStates reports every read model's progress.
type ProjectionStates interface {
	ProjectionStates(ctx context.Context) ([]ProjectionState, error)
}

// MountProjections adds GET /v1/projections and POST
// /v1/projections/{name}/rebuild (operators only); access.Middleware must
// run before them.
func MountProjections(r chi.Router, states ProjectionStates, rebuilds Rebuilds, log *slog.Logger) {
	r.Get("/v1/projections", allow(operator, "only the operator sees projections", func(w http.ResponseWriter, req *http.Request) {
		items, err := states.ProjectionStates(req.Context())
		if err != nil {
			answerFailure(w, log, err, "the projection states could not be read")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items})
	}))
	r.Post("/v1/projections/{name}/rebuild", allow(operator, "only the operator rebuilds projections", func(w http.ResponseWriter, req *http.Request) {
		state, err := rebuilds.RequestRebuild(req.Context(), chi.URLParam(req, "name"))
		switch {
		case errors.Is(err, ErrUnknownProjection):
			access.WriteProblem(w, http.StatusNotFound, domain.CodeNotFound, "no projection has this name")
		case err != nil:
			answerFailure(w, log, err, "the rebuild could not be requested")
		default:
			writeJSON(w, http.StatusAccepted, state)
		}
	}))
}

// answerFailure answers the failure of an operator's projection request:
// 503 when the database could not be reached (access.Outage; the states
// and rebuilds given to MountProjections classify their errors), else 500
// with what could not be done, the error going to the log only.
func answerFailure(w http.ResponseWriter, log *slog.Logger, err error, what string) {
	if refusal := access.Outage(err); refusal != nil {
		log.Warn(what+": the database cannot be reached", "error", err)
		access.WriteProblem(w, access.Status(refusal.Kind()), refusal.Code, refusal.Detail)
		return
	}
	log.Error(what, "error", err)
	access.WriteProblem(w, http.StatusInternalServerError, domain.CodeInternal, what)
}
