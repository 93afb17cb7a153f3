package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/sessionstore"
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
	return bareServer(role, func(ctx context.Context, _, digest string) (sessions.Session, bool, error) {
		var tenant, user string
		var expires time.Time
		err := pool.QueryRow(ctx, `SELECT tenant_id, user_id, expires_at FROM sessions WHERE digest = $1`, digest).
			Scan(&tenant, &user, &expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return sessions.Session{}, false, nil
		}
		return sessions.Session{Tenant: domain.TenantID(tenant), User: domain.UserID(user), ExpiresAt: expires}, err == nil, err
	})
}

// bareRosterQuery is the introspection suite's floor: the bare server, but
// reading what Roster's one query reads (sessionstore.FindTwo: the caller's
// session and the one asked about, each with its tenant stream's head, the
// check that sees a revocation another process committed). Against the
// baseline it is the share of the gap that is database work; the rest is
// Roster's router, its middleware and its judging of the two sessions.
func bareRosterQuery(store *sessionstore.Store, role domain.Role) http.Handler {
	return bareServer(role, func(ctx context.Context, caller, digest string) (sessions.Session, bool, error) {
		_, asked, foundCaller, found, err := store.FindTwo(ctx, caller, digest)
		if err == nil && !foundCaller {
			err = errors.New("the caller's session is not stored")
		}
		return asked, found, err
	})
}

// bareServer answers POST /v1/introspect from find, given the digests of the
// caller's bearer token and of the token asked about.
func bareServer(role domain.Role, find func(ctx context.Context, caller, digest string) (sessions.Session, bool, error)) http.Handler {
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
			caller, _ := sessions.ParseToken(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			sess, found, err := find(r.Context(), caller, digest)
			switch {
			case err != nil:
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			case found && time.Now().Before(sess.ExpiresAt):
				answer = sessions.Introspection{Active: true, Sub: sess.User, Tenant: sess.Tenant, Role: role, Exp: sess.ExpiresAt.Unix()}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(answer)
	})
}
