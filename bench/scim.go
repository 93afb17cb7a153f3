package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections/users"
)

// scimCreates is how many users each side of the creation comparison makes.
const scimCreates = 10_000

// runSCIM compares, on the whole service as serve wires it: a SCIM look-up
// of one user by userName on a tenant of 100,000 users with the same
// look-up as one SQL statement through pgx; and 10,000 SCIM creations with
// 10,000 invitations through the JSON API.
func runSCIM(ctx context.Context, e *env) ([]result, error) {
	c, err := openConsoleSide(ctx, e)
	if err != nil {
		return nil, err
	}
	defer c.close()
	lookups, err := scimLookups(ctx, c)
	if err != nil {
		return nil, err
	}
	creates, err := scimCreations(ctx, c)
	if err != nil {
		return nil, err
	}
	return append(lookups, creates...), nil
}

// scimToken creates a SCIM connection of tenant as the operator.
func scimToken(ctx context.Context, c *consoleSide, tenant domain.TenantID) (string, error) {
	token := commands.NewScimToken()
	_, err := c.svc.Commands.CreateScimConnection.Handle(ctx, execution.Envelope{Tenant: tenant}, commands.CreateScimConnection{
		Actor: domain.OperatorActor(), Connection: "bench", Name: "Bench", Token: token})
	return token, err
}

// scimLookups: GET /Users?filter=userName eq "…" of random users (the same
// sequence for both sides, one request at a time, interleaved) against a
// SELECT of the user's row by e-mail from the users read model, with an
// index of its own on (tenant_id, lower(email)) that the suite creates, so
// that the baseline is the fastest plain look-up there is.
func scimLookups(ctx context.Context, c *consoleSide) ([]result, error) {
	token, err := scimToken(ctx, c, "big")
	if err != nil {
		return nil, err
	}
	if err := execAll(ctx, c.pool, "CREATE INDEX IF NOT EXISTS bench_users_email ON "+users.Table+" (tenant_id, lower(email))",
		"ANALYZE "+users.Table); err != nil {
		return nil, err
	}
	defer func() { _ = execAll(context.Background(), c.pool, "DROP INDEX IF EXISTS bench_users_email") }()
	rng := rand.New(rand.NewPCG(1, 2))
	next := func() string { return fmt.Sprintf("user%d@big.test", rng.IntN(bigTenantUsers)) }
	var email string
	plain := func() (string, error) {
		var id, name, status string
		err := c.pool.QueryRow(ctx, "SELECT user_id, name, status FROM "+users.Table+" WHERE tenant_id = $1 AND lower(email) = lower($2)",
			"big", email).Scan(&id, &name, &status)
		return id, err
	}
	api := func() (string, error) {
		filter := url.QueryEscape(fmt.Sprintf(`userName eq "%s"`, email))
		body, err := fetchOK(ctx, c.server.URL+"/v1/tenants/big/scim/v2/Users?filter="+filter, "Authorization", "Bearer "+token)
		if err == nil && !strings.Contains(body, `"totalResults":1`) {
			err = fmt.Errorf("GET /Users?filter=%s found not one user: %.300s", filter, body)
		}
		return body, err
	}
	// The same SELECT behind a bare HTTP server (net/http, the row as
	// JSON): DESIGN.md's plain baseline for a read over HTTP.
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var id, name, status string
		err := c.pool.QueryRow(r.Context(), "SELECT user_id, name, status FROM "+users.Table+" WHERE tenant_id = $1 AND lower(email) = lower($2)",
			"big", r.URL.Query().Get("email")).Scan(&id, &name, &status)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "name": name, "status": status})
	}))
	defer bare.Close()
	overHTTP := func() (string, error) {
		return fetchOK(ctx, bare.URL+"/?email="+url.QueryEscape(email), "Authorization", "Bearer none")
	}
	pick := func() (string, error) { email = next(); return "", nil }
	times, err := interleaved(2000, pick, plain, overHTTP, api)
	if err != nil {
		return nil, err
	}
	const what = "SCIM GET /Users?filter=userName eq, 100,000 users, vs "
	return []result{
		latencyResult(what+"one indexed SELECT through pgx, p50", times[1], times[3], 0.50, "≤ 2×"),
		latencyResult(what+"one indexed SELECT through pgx, p99", times[1], times[3], 0.99, "≤ 2×"),
		latencyResult(what+"that SELECT behind a bare HTTP server, p50", times[2], times[3], 0.50, "—"),
		latencyResult(what+"that SELECT behind a bare HTTP server, p99", times[2], times[3], 0.99, "—"),
	}, nil
}

// scimCreations: 10,000 SCIM creations (POST /Users, active) on one tenant
// against 10,000 invitations (POST /users, activate) on another, both over
// HTTP by one client, in alternating runs of 500 so that noise hits both.
func scimCreations(ctx context.Context, c *consoleSide) ([]result, error) {
	run := fmt.Sprintf("%x", time.Now().UnixNano()%0xffffff)
	invited, provisioned := domain.TenantID("inv-"+run), domain.TenantID("scim-"+run)
	var ownerToken string
	for _, t := range []domain.TenantID{invited, provisioned} {
		_, err := c.svc.Commands.CreateTenant.Handle(ctx, execution.Envelope{Tenant: t}, commands.CreateTenant{Actor: domain.OperatorActor(),
			Tenant: t, Name: string(t), Seats: scimCreates + 10, Owner: commands.NewOwner{ID: "owner", Email: "owner@" + string(t) + ".test",
				Name: "Owner", Password: "bench pass phrase"}})
		if err != nil {
			return nil, err
		}
	}
	login, err := c.svc.Sessions.Login(ctx, invited, "owner@"+string(invited)+".test", "bench pass phrase", "bench")
	if err != nil {
		return nil, err
	}
	ownerToken = login.Token
	token, err := scimToken(ctx, c, provisioned)
	if err != nil {
		return nil, err
	}
	invite := func(i int) error {
		return postCreated(ctx, c.server.URL+"/v1/tenants/"+string(invited)+"/users", ownerToken, "application/json", map[string]any{
			"email": fmt.Sprintf("person%d@bench.test", i), "name": fmt.Sprintf("Person %d", i), "role": "member", "activate": true})
	}
	provision := func(i int) error {
		email := fmt.Sprintf("person%d@bench.test", i)
		return postCreated(ctx, c.server.URL+"/v1/tenants/"+string(provisioned)+"/scim/v2/Users", token, "application/scim+json", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": email, "externalId": fmt.Sprintf("ext-%d", i),
			"name": map[string]any{"givenName": "Person", "familyName": fmt.Sprint(i)}, "displayName": fmt.Sprintf("Person %d", i),
			"emails": []map[string]any{{"value": email, "type": "work", "primary": true}}, "active": true})
	}
	var spent [2]time.Duration
	for from := 0; from < scimCreates; from += 500 {
		for side, create := range []func(int) error{invite, provision} {
			started := time.Now()
			for i := from; i < min(from+500, scimCreates); i++ {
				if err := create(i); err != nil {
					return nil, err
				}
			}
			spent[side] += time.Since(started)
		}
	}
	rate := func(d time.Duration) float64 { return scimCreates / d.Seconds() }
	return []result{{name: "SCIM creations (POST /Users) vs invitations (POST /users), 10,000 each, 1 client", unit: "users/s",
		baseline: rate(spent[0]), subject: rate(spent[1]), target: "≥ 0.7×"}}, nil
}

// postCreated POSTs body as JSON with a bearer token and requires 201.
func postCreated(ctx context.Context, url, token, contentType string, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %d %.300s", url, resp.StatusCode, reply)
	}
	return nil
}
