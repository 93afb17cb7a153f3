package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
)

// bareIntrospection is the introspection suite's baseline: the least a
// server can do to answer POST /v1/introspect. It reads the same JSON body,
// looks the token's session up by its digest (sessions.ParseToken, the key
// Roster's session store finds by) with one SELECT on the primary key of
// Roster's own sessions table, and answers the same RFC 7662 document. It
// authenticates no caller and reads no write model: role is the one answer
// that needs the user, so it is given, the role of the user whose token is
// asked about, to keep the reply the same size.
func bareIntrospection(pool *pgxpool.Pool, role domain.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Token string `json:"token"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var answer sessions.Introspection
		if digest, ok := sessions.ParseToken(body.Token); ok {
			var tenant, user string
			var expires time.Time
			err := pool.QueryRow(r.Context(), `SELECT tenant_id, user_id, expires_at FROM sessions WHERE digest = $1`, digest).
				Scan(&tenant, &user, &expires)
			switch {
			case errors.Is(err, pgx.ErrNoRows): // inactive
			case err != nil:
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			case time.Now().Before(expires):
				answer = sessions.Introspection{Active: true, Sub: domain.UserID(user), Tenant: domain.TenantID(tenant), Role: role, Exp: expires.Unix()}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(answer)
	})
}
