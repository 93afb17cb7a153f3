package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/sessions"
)

// passwordOf is the password the tests give user id: a passphrase that the
// password rules accept.
func passwordOf(id string) string { return "pass phrase of " + id }

// httpTenant creates tenant id over HTTP with the given preset, seats and
// policy overrides; its owner "boss" logs in with passwordOf("boss"). It
// returns the owner's session token.
func httpTenant(t *testing.T, base, id, preset string, seats int, policy obj) string {
	t.Helper()
	body := obj{"id": id, "name": id, "preset": preset, "seats": seats,
		"owner": obj{"id": "boss", "email": "boss@" + id + ".example", "name": "Boss", "password": passwordOf("boss")}}
	if policy != nil {
		body["policy"] = policy
	}
	expect(t, "create "+id, call(t, base, "POST", "/v1/tenants", "op-token", body), http.StatusCreated, "")
	return expect(t, "boss login", call(t, base, "POST", "/v1/tenants/"+id+"/sessions", "", obj{"email": "boss@" + id + ".example", "password": passwordOf("boss")}),
		http.StatusCreated, "").str("token")
}

// httpUser invites (and activates) a user of tenant as the operator.
func httpUser(t *testing.T, base, tenant, id, role, kind string) reply {
	t.Helper()
	return expect(t, "invite "+id, call(t, base, "POST", "/v1/tenants/"+tenant+"/users", "op-token", obj{"id": id, "email": id + "@" + tenant + ".example",
		"name": "User " + id, "role": role, "kind": kind, "password": passwordOf(id), "activate": true}), http.StatusCreated, "")
}

// Every error code of API.md comes out of the HTTP API with its status.
func TestEveryErrorCodeOfTheContractIsAnswered(t *testing.T) {
	t.Parallel()
	_, server := serviceOnFreshDatabase(t)
	base := server.URL
	boss := httpTenant(t, base, "acme", "strict", 3, nil)
	httpUser(t, base, "acme", "adam", "admin", "member")
	adam := expect(t, "adam login", call(t, base, "POST", "/v1/tenants/acme/sessions", "", obj{"email": "adam@acme.example", "password": passwordOf("adam")}), 201, "").str("token")
	httpUser(t, base, "acme", "mo", "member", "member")

	t.Run("invalid", func(t *testing.T) {
		for name, c := range map[string]struct {
			method, path string
			body         any
		}{
			"malformed JSON":   {"POST", "/v1/tenants/acme/users", `{"email": `},
			"unknown field":    {"POST", "/v1/tenants/acme/users", obj{"email": "x@acme.example", "name": "X", "role": "member", "emial": "typo"}},
			"two objects":      {"POST", "/v1/tenants/acme/users", `{"role":"member"} {}`},
			"not an object":    {"POST", "/v1/tenants/acme/users", `["member"]`},
			"bad user id":      {"POST", "/v1/tenants/acme/users", obj{"id": "Not Valid!", "email": "y@acme.example", "name": "Y", "role": "member"}},
			"bad e-mail":       {"POST", "/v1/tenants/acme/users", obj{"email": "not-an-address", "name": "Z", "role": "member"}},
			"bad enum":         {"PUT", "/v1/tenants/acme/users/mo/role", obj{"role": "emperor"}},
			"empty password":   {"PUT", "/v1/tenants/acme/users/mo/password", obj{"password": ""}},
			"bad If-Match":     {"POST", "/v1/tenants/acme/users/mo/block", nil},
			"bad limit":        {"GET", "/v1/tenants/acme/users?limit=0", nil},
			"bad min_position": {"GET", "/v1/tenants/acme/users?min_position=yesterday", nil},
		} {
			headers := []string{}
			if name == "bad If-Match" {
				headers = []string{"If-Match", `"seven"`}
			}
			expect(t, name, call(t, base, c.method, c.path, boss, c.body, headers...), http.StatusBadRequest, "invalid")
		}
		big := `{"name": "` + strings.Repeat("x", 1<<20) + `"}`
		expect(t, "body over 1 MiB", call(t, base, "POST", "/v1/tenants/acme/users", boss, big), http.StatusRequestEntityTooLarge, "invalid")
	})
	t.Run("unauthenticated and not_found", func(t *testing.T) {
		expect(t, "no token", call(t, base, "GET", "/v1/tenants/acme", "", nil), 401, "unauthenticated")
		expect(t, "unknown user", call(t, base, "POST", "/v1/tenants/acme/users/nobody/block", boss, nil), 404, "not_found")
		other := httpTenant(t, base, "globex", "strict", 3, nil)
		expect(t, "another tenant's path", call(t, base, "GET", "/v1/tenants/acme/users", other, nil), 404, "not_found")
	})
	t.Run("invalid_credentials and rate_limited", func(t *testing.T) {
		httpUser(t, base, "globex", "rita", "member", "member") // on globex: acme has no seat left for her
		expect(t, "wrong password", call(t, base, "POST", "/v1/tenants/globex/sessions", "", obj{"email": "rita@globex.example", "password": "guess"}), 401, "invalid_credentials")
		expect(t, "unknown e-mail", call(t, base, "POST", "/v1/tenants/globex/sessions", "", obj{"email": "ghost@acme.example", "password": "guess"}), 401, "invalid_credentials")
		var last reply
		for range 5 { // the account allows 5 failures; the first was above
			last = call(t, base, "POST", "/v1/tenants/globex/sessions", "", obj{"email": "rita@globex.example", "password": "guess"})
		}
		expect(t, "sixth failure in a row", last, http.StatusTooManyRequests, "rate_limited")
		if last.Header.Get("Retry-After") == "" {
			t.Fatalf("rate_limited without Retry-After: %v", last.Header)
		}
		expect(t, "even the right password, while limited", call(t, base, "POST", "/v1/tenants/globex/sessions", "",
			obj{"email": "rita@globex.example", "password": passwordOf("rita")}), http.StatusTooManyRequests, "rate_limited")
	})
	t.Run("forbidden and higher_role", func(t *testing.T) {
		mo := httpLogin(t, base, "acme", "mo")
		expect(t, "a member deactivates", call(t, base, "POST", "/v1/tenants/acme/users/adam/deactivate", mo, nil), 403, "forbidden")
		expect(t, "an admin deactivates the owner", call(t, base, "POST", "/v1/tenants/acme/users/boss/deactivate", adam, nil), 403, "higher_role")
		expect(t, "an admin grants owner", call(t, base, "PUT", "/v1/tenants/acme/users/mo/role", adam, obj{"role": "owner"}), 403, "higher_role")
	})
	t.Run("conflicts", func(t *testing.T) {
		expect(t, "sole owner", call(t, base, "DELETE", "/v1/tenants/acme/users/boss", boss, nil), 409, "sole_owner")
		expect(t, "seat limit", call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"email": "fourth@acme.example", "name": "Fourth", "role": "member"}), 409, "seat_limit")
		expect(t, "unblock an active user", call(t, base, "POST", "/v1/tenants/acme/users/mo/unblock", boss, nil), 409, "invalid_transition")
		expect(t, "e-mail taken", call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"id": "mo2", "email": "MO@acme.example", "name": "Mo Two", "role": "member", "kind": "customer"}), 409, "email_taken")
		expect(t, "deactivate mo", call(t, base, "POST", "/v1/tenants/acme/users/mo/deactivate", boss, nil), 200, "")
		expect(t, "work for an inactive user", call(t, base, "PUT", "/v1/tenants/acme/work/job-1", boss, obj{"kind": "job", "assignee": "mo"}), 409, "not_assignable")
		gone := expect(t, "delete mo", call(t, base, "DELETE", "/v1/tenants/acme/users/mo", boss, obj{"reason": "gone"}), 200, "")
		if gone.str("status") != "deleted" || gone.str("name") != "Deleted user" || gone.Body["email"] != nil || strings.Contains(gone.Raw, "mo@acme") {
			t.Fatalf("the deletion's reply still shows the person (mo was rendered before, so from the cache): %s", gone.Raw)
		}
		expect(t, "act on a deleted user", call(t, base, "POST", "/v1/tenants/acme/users/mo/reactivate", boss, nil), 409, "user_deleted")

		analytics := httpTenant(t, base, "analytics", "analytics", 5, nil)
		httpUser(t, base, "analytics", "al", "member", "member")
		expect(t, "deletion disabled", call(t, base, "DELETE", "/v1/tenants/analytics/users/al", analytics, nil), 409, "deletion_disabled")

		shop := httpTenant(t, base, "shop", "commerce", 5, nil)
		httpUser(t, base, "shop", "lee", "member", "member")
		expect(t, "lee leads red", call(t, base, "PUT", "/v1/tenants/shop/teams/red", shop, obj{"name": "Red", "leader": "lee"}), 200, "")
		expect(t, "deactivate a team leader", call(t, base, "POST", "/v1/tenants/shop/users/lee/deactivate", shop, nil), 409, "team_leader")
		httpUser(t, base, "shop", "cy", "member", "customer")
		expect(t, "deactivate customer cy", call(t, base, "POST", "/v1/tenants/shop/users/cy/deactivate", shop, nil), 200, "")
		expect(t, "delete customer cy", call(t, base, "DELETE", "/v1/tenants/shop/users/cy", shop, nil), 200, "")
		expect(t, "invite a blocklisted e-mail", call(t, base, "POST", "/v1/tenants/shop/users", shop, obj{"email": "cy@shop.example", "name": "Cy Again",
			"role": "member", "kind": "customer"}), 409, "email_blocked")
	})
	t.Run("version_mismatch and idempotency_key_reused", func(t *testing.T) {
		adamNow := expect(t, "read adam", call(t, base, "PUT", "/v1/tenants/acme/users/adam/role", boss, obj{"role": "admin"}), 200, "")
		version := int(adamNow.Body["version"].(float64))
		expect(t, "stale If-Match", call(t, base, "POST", "/v1/tenants/acme/users/adam/revoke-sessions", boss, nil, "If-Match", `"`+strconv.Itoa(version-1)+`"`), 412, "version_mismatch")
		first := expect(t, "keyed", call(t, base, "PUT", "/v1/tenants/acme/teams/blue", boss, obj{"name": "Blue"}, "Idempotency-Key", "k-1"), 200, "")
		again := expect(t, "same key, same body", call(t, base, "PUT", "/v1/tenants/acme/teams/blue", boss, obj{"name": "Blue"}, "Idempotency-Key", "k-1"), 200, "")
		if again.Raw != first.Raw {
			t.Fatalf("a repeat answered %s, first %s", again.Raw, first.Raw)
		}
		expect(t, "same key, other body", call(t, base, "PUT", "/v1/tenants/acme/teams/blue", boss, obj{"name": "Navy"}, "Idempotency-Key", "k-1"), 422, "idempotency_key_reused")
	})
	t.Run("projection_lagging", func(t *testing.T) {
		expect(t, "a position nobody reached", call(t, base, "GET", "/v1/tenants/acme/users?min_position=99999999-99999999", boss, nil), 504, "projection_lagging")
	})
}

func httpLogin(t *testing.T, base, tenant, id string) string {
	t.Helper()
	return expect(t, id+" login", call(t, base, "POST", "/v1/tenants/"+tenant+"/sessions", "", obj{"email": id + "@" + tenant + ".example", "password": passwordOf(id)}),
		http.StatusCreated, "").str("token")
}

// An internal failure answers 500 internal with the request id, and none of
// the failure's detail (here PostgreSQL's error, naming the missing table).
func TestAnInternalFailureAnswersInternalWithARequestIDAndNoDetail(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	httpTenant(t, server.URL, "acme", "strict", 3, nil)
	if _, err := svc.Pool.Exec(bg, `ALTER TABLE sessions RENAME TO sessions_elsewhere`); err != nil {
		t.Fatal(err)
	}
	got := expect(t, "login without a sessions table", call(t, server.URL, "POST", "/v1/tenants/acme/sessions", "",
		obj{"email": "boss@acme.example", "password": passwordOf("boss")}), http.StatusInternalServerError, "internal")
	if !strings.Contains(got.str("detail"), "request id ") || strings.Contains(got.Raw, "sessions") || strings.Contains(got.Raw, "SQLSTATE") {
		t.Fatalf("500 body: %s", got.Raw)
	}
}

// Failed logins are also limited per client address: failures spread over
// many accounts from one address are refused once the address's allowance
// is spent, even for an account that has failed only once — unless the
// address logged in to that account before (boss, whom httpTenant logs in).
func TestFailedLoginsAreLimitedPerClientAddress(t *testing.T) {
	t.Parallel()
	settings := testAccess
	settings.Limits = sessions.Limits{AccountBurst: 5, AccountEvery: time.Hour, AddressBurst: 3, AddressEvery: time.Hour}
	_, server := serviceWith(t, settings)
	base := server.URL
	httpTenant(t, base, "acme", "strict", 10, nil)
	httpUser(t, base, "acme", "ann", "member", "member")
	for i, email := range []string{"a@acme.example", "b@acme.example", "c@acme.example"} {
		expect(t, fmt.Sprintf("failure %d", i+1), call(t, base, "POST", "/v1/tenants/acme/sessions", "", obj{"email": email, "password": "guess"}), 401, "invalid_credentials")
	}
	expect(t, "a fourth account from the same address", call(t, base, "POST", "/v1/tenants/acme/sessions", "",
		obj{"email": "ann@acme.example", "password": passwordOf("ann")}), http.StatusTooManyRequests, "rate_limited")
	expect(t, "an account that logged in from the address before", call(t, base, "POST", "/v1/tenants/acme/sessions", "",
		obj{"email": "boss@acme.example", "password": passwordOf("boss")}), http.StatusCreated, "")
}
