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
}

// readyTimeout bounds each check, so a hung database makes /readyz fail
// rather than hang the prober.
const readyTimeout = 2 * time.Second

// MountHealth adds GET /healthz (the process is alive) and GET /readyz (every
// check answers). A failed check is named in the reply and logged with its
// error; the error itself is not sent.
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
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client went away; nothing to do
}
