package readapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// Check is a dependency that must answer for the service to be ready.
type Check struct {
	Name string
	Ping func(context.Context) error
	// Degraded (optional) lists what the dependency serves only in part,
	// such as tenants whose read models stopped: the service is ready, but
	// /readyz says "degraded" and lists them.
	Degraded func(context.Context) ([]any, error)
}

// readyTimeout bounds each check, so a hung database makes /readyz fail
// rather than hang the prober.
const readyTimeout = 2 * time.Second

// MountHealth adds GET /healthz (the process is alive) and GET /readyz (503
// unless every check answers; 200 "degraded" with the list of what works
// only in part, 200 "ready" otherwise). A failed check is named in the
// reply and logged with its error; the error itself is not sent.
func MountHealth(r chi.Router, log *slog.Logger, checks ...Check) {
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	r.Get("/readyz", func(w http.ResponseWriter, req *http.Request) {
		failed := []string{}
		for _, c := range checks {
			ctx, cancel := context.WithTimeout(req.Context(), readyTimeout)
			err := c.Ping(ctx)
			cancel()
			if err != nil {
				log.Warn("readiness check failed", "check", c.Name, "error", err)
				failed = append(failed, c.Name)
			}
		}
		if len(failed) > 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "failed": failed})
			return
		}
		if degraded := degradations(req.Context(), log, checks); len(degraded) > 0 {
			writeJSON(w, http.StatusOK, map[string]any{"status": "degraded", "failed": degraded})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
	})
}

// degradations gathers what the checks serve only in part; one that cannot
// say is logged and left out (its Ping answered: the service is ready).
func degradations(ctx context.Context, log *slog.Logger, checks []Check) []any {
	out := []any{}
	for _, c := range checks {
		if c.Degraded == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(ctx, readyTimeout)
		items, err := c.Degraded(ctx)
		cancel()
		if err != nil {
			log.Warn("readiness: cannot list what is degraded", "check", c.Name, "error", err)
		}
		out = append(out, items...)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client went away; nothing to do
}
