package readapi

import (
	"context"
	"log/slog"
	"net/http"

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
}

// ProjectionStates reports every read model's progress.
type ProjectionStates interface {
	ProjectionStates(ctx context.Context) ([]ProjectionState, error)
}

// MountProjections adds GET /v1/projections (operators only); access.Middleware
// must run before it.
func MountProjections(r chi.Router, states ProjectionStates, log *slog.Logger) {
	r.Get("/v1/projections", allow(operator, "only the operator sees projections", func(w http.ResponseWriter, req *http.Request) {
		items, err := states.ProjectionStates(req.Context())
		if err != nil {
			log.Error("projection states", "error", err)
			access.WriteProblem(w, http.StatusInternalServerError, domain.CodeInternal, "the projection states could not be read")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items})
	}))
}
