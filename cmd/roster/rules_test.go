package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/sessions"
	"github.com/rosterhq/roster/infra/pgtest"
)

// The rules of issue 14's items 4, 6 and part of 7, over HTTP: each test
// is one finding of the issue.

// acmeOverHTTP is a fresh service with tenant acme (strict, 10 seats) made
// over HTTP; it returns the service's URL and the owner's token.
func acmeOverHTTP(t *testing.T) (base, boss string) {
	t.Helper()
	_, server := serviceOnFreshDatabase(t)
	return server.URL, httpTenant(t, server.URL, "acme", "strict", 10, nil)
}

// An owner's password change for a user ends every session that user had;
// a user's change of their own password ends all their sessions but the one
// they did it with. Either way the audit trail shows the revocation.
func TestAPasswordChangeEndsTheUsersOtherSessions(t *testing.T) {
	t.Parallel()
	base, boss := acmeOverHTTP(t)
	httpUser(t, base, "acme", "ann", "member", "member")
	before := httpLogin(t, base, "acme", "ann")
	changed := expect(t, "the owner sets ann's password", call(t, base, "PUT", "/v1/tenants/acme/users/ann/password", boss,
		obj{"password": passwordOf("ann")}), http.StatusOK, "")
	expect(t, "ann's session from before", call(t, base, "GET", "/v1/tenants/acme/users/ann", before, nil), http.StatusUnauthorized, "unauthenticated")

	laptop, phone := httpLogin(t, base, "acme", "ann"), httpLogin(t, base, "acme", "ann")
	own := expect(t, "ann changes her own password on her laptop", call(t, base, "PUT", "/v1/tenants/acme/users/ann/password", laptop,
		obj{"password": "ann's brand new phrase", "current_password": passwordOf("ann")}), http.StatusOK, "")
	expect(t, "her phone's session", call(t, base, "GET", "/v1/tenants/acme/users/ann", phone, nil), http.StatusUnauthorized, "unauthenticated")
	mine := expect(t, "her laptop's session", call(t, base, "GET", "/v1/tenants/acme/users/ann?min_position="+own.str("position"), laptop, nil),
		http.StatusOK, "")
	out := expect(t, "a command on her laptop's session", call(t, base, "POST", "/v1/tenants/acme/users/ann/revoke-sessions", laptop, nil), http.StatusOK, "")
	expect(t, "her laptop's session after she logged herself out everywhere", call(t, base, "GET", "/v1/tenants/acme/users/ann", laptop, nil),
		http.StatusUnauthorized, "unauthenticated")

	trail := expect(t, "audit", call(t, base, "GET", "/v1/tenants/acme/audit?target=ann&action=SessionsRevoked&min_position="+out.str("position"), boss, nil),
		http.StatusOK, "")
	var revocations []string
	for _, it := range trail.Body["items"].([]any) {
		entry := it.(map[string]any)
		kept, _ := entry["details"].(map[string]any)["kept_current_session"].(bool)
		revocations = append(revocations, fmt.Sprintf("%v kept=%v", entry["reason"], kept))
	}
	slices.Sort(revocations)
	if want := "[ kept=false password_changed kept=false password_changed kept=true]"; fmt.Sprint(revocations) != want {
		t.Fatalf("ann's revocations in the audit trail: %v, want %s (ann read %s)", revocations, want, mine.Raw)
	}
	if changed.Body["changed"] != true {
		t.Fatalf("the owner's change: %s", changed.Raw)
	}
}

// Changing one's own password takes the current one: without it the answer
// is 400 naming current_password, with a wrong one 403 forbidden (and the
// password stays); a manager of users setting someone else's needs none.
func TestChangingOnesOwnPasswordNeedsTheCurrentOne(t *testing.T) {
	t.Parallel()
	base, _ := acmeOverHTTP(t)
	httpUser(t, base, "acme", "ann", "member", "member")
	httpUser(t, base, "acme", "adam", "admin", "member")
	ann, adam := httpLogin(t, base, "acme", "ann"), httpLogin(t, base, "acme", "adam")
	const path = "/v1/tenants/acme/users/ann/password"
	missing := expect(t, "the session token alone", call(t, base, "PUT", path, ann, obj{"password": "a hijacker's phrase"}), http.StatusBadRequest, "invalid")
	if missing.str("field") != "current_password" {
		t.Fatalf("the refusal names %q: %s", missing.str("field"), missing.Raw)
	}
	expect(t, "a wrong current password", call(t, base, "PUT", path, ann, obj{"password": "a hijacker's phrase", "current_password": "not ann's phrase"}),
		http.StatusForbidden, "forbidden")
	expect(t, "ann still logs in with her password", call(t, base, "POST", "/v1/tenants/acme/sessions", "",
		obj{"email": "ann@acme.example", "password": passwordOf("ann")}), http.StatusCreated, "")
	expect(t, "the right current password", call(t, base, "PUT", path, ann, obj{"password": "ann's brand new phrase", "current_password": passwordOf("ann")}),
		http.StatusOK, "")
	expect(t, "an admin sets ann's password without hers", call(t, base, "PUT", path, adam, obj{"password": passwordOf("ann")}), http.StatusOK, "")
	expect(t, "the admin changes his own without his", call(t, base, "PUT", "/v1/tenants/acme/users/adam/password", adam,
		obj{"password": "adam's brand new phrase"}), http.StatusBadRequest, "invalid")
}

// A session that guesses its user's current password is limited as a login
// that guesses it would be: past the account's allowance every try, even
// the right password, answers 429 rate_limited with Retry-After.
func TestWrongCurrentPasswordsAreLimitedAsFailedLogins(t *testing.T) {
	t.Parallel()
	settings := testAccess
	settings.Limits = sessions.Limits{AccountBurst: 2, AccountEvery: time.Hour, AddressBurst: 100, AddressEvery: time.Hour}
	_, server := serviceWith(t, settings)
	base := server.URL
	httpTenant(t, base, "acme", "strict", 10, nil)
	httpUser(t, base, "acme", "ann", "member", "member")
	ann := httpLogin(t, base, "acme", "ann")
	change := func(current string) reply {
		return call(t, base, "PUT", "/v1/tenants/acme/users/ann/password", ann, obj{"password": "a hijacker's phrase", "current_password": current})
	}
	expect(t, "a first guess", change("guess number one"), http.StatusForbidden, "forbidden")
	expect(t, "a second guess", change("guess number two"), http.StatusForbidden, "forbidden")
	limited := expect(t, "a third guess", change("guess number three"), http.StatusTooManyRequests, "rate_limited")
	if limited.Header.Get("Retry-After") == "" {
		t.Fatalf("rate_limited without Retry-After: %v", limited.Header)
	}
	expect(t, "even the right one, while limited", change(passwordOf("ann")), http.StatusTooManyRequests, "rate_limited")
}

// The session a user changed their own password with goes on working on
// every process — for reads, and for commands on a process that holds the
// session in its memory from before the change (which then leaves the
// check to the command) — and their other sessions end on every process.
func TestTheSessionKeptByAPasswordChangeWorksOnEveryProcess(t *testing.T) {
	t.Parallel()
	svc, server := serviceOnFreshDatabase(t)
	one, two := server.URL, anotherProcess(t, svc)
	httpTenant(t, one, "acme", "strict", 10, nil)
	httpUser(t, one, "acme", "ann", "member", "member")
	laptop, phone := httpLogin(t, one, "acme", "ann"), httpLogin(t, one, "acme", "ann")
	take := func(token, item string) reply { // a command ann may run that stores an event: she takes a new item
		return call(t, two, "PUT", "/v1/tenants/acme/work/"+item, token, obj{"kind": "job", "assignee": "ann"})
	}
	expect(t, "ann's laptop works on process two", take(laptop, "j-1"), http.StatusOK, "")
	expect(t, "ann's phone works on process two", take(phone, "j-2"), http.StatusOK, "")
	expect(t, "ann changes her password on process one", call(t, one, "PUT", "/v1/tenants/acme/users/ann/password", laptop,
		obj{"password": "ann's brand new phrase", "current_password": passwordOf("ann")}), http.StatusOK, "")
	last := expect(t, "her laptop's command on process two", take(laptop, "j-3"), http.StatusOK, "").str("position")
	expect(t, "her phone's command on process two", take(phone, "j-4"), http.StatusUnauthorized, "unauthenticated")
	for _, base := range []string{one, two} {
		// min_position: a read is held to the projection having caught up,
		// not to how fast it is on a loaded machine.
		expect(t, "her laptop reads", call(t, base, "GET", "/v1/tenants/acme?min_position="+last, laptop, nil), http.StatusOK, "")
		expect(t, "her phone reads", call(t, base, "GET", "/v1/tenants/acme", phone, nil), http.StatusUnauthorized, "unauthenticated")
	}
}

// weakPasswords are refused wherever a password is set: too short, too
// long, or among those attackers try first.
var weakPasswords = map[string]string{
	"a space":                   " ",
	"one letter":                "a",
	"seven characters":          "abc1234",
	"a common password":         "password1",
	"a common password, capped": "Password123",
	"a keyboard walk":           "qwertyuiop",
	"a repeat":                  "aaaaaaaaaaaa",
	"65 characters":             strings.Repeat("correct horse battery staple ", 3)[:65],
}

// Every path that sets a password refuses a weak one with 400 naming the
// field, and accepts a passphrase of 64 characters.
func TestWeakPasswordsAreRefusedOnEveryPathThatSetsOne(t *testing.T) {
	t.Parallel()
	base, boss := acmeOverHTTP(t)
	httpUser(t, base, "acme", "ann", "member", "member")
	ann := httpLogin(t, base, "acme", "ann")
	paths := map[string]func(pw string) reply{
		"owner.password": func(pw string) reply {
			return call(t, base, "POST", "/v1/tenants", "op-token", obj{"id": "globex", "name": "Globex", "seats": 3,
				"owner": obj{"email": "o@globex.example", "name": "O", "password": pw}})
		},
		"password": func(pw string) reply {
			return call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"id": "bob", "email": "bob@acme.example", "name": "Bob", "role": "member", "password": pw})
		},
		"password ": func(pw string) reply { // a user's own change
			return call(t, base, "PUT", "/v1/tenants/acme/users/ann/password", ann, obj{"password": pw, "current_password": passwordOf("ann")})
		},
	}
	for field, send := range paths {
		for what, pw := range weakPasswords {
			got := expect(t, field+" "+what, send(pw), http.StatusBadRequest, "invalid")
			if got.str("field") != strings.TrimSpace(field) || strings.Contains(got.Raw, pw) && len(pw) > 1 {
				t.Fatalf("%s %s: %s", field, what, got.Raw)
			}
		}
	}
	long := strings.Repeat("correct horse battery staple ", 3)[:64]
	expect(t, "64 characters", paths["password"](long), http.StatusCreated, "")
}

// `roster tenants create` refuses a weak owner password before it stores
// anything, saying why.
func TestTenantsCreateRefusesAWeakOwnerPassword(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	encoded, _ := newMasterKey(t)
	create, _ := tenantsCreateOn(t, url, encoded)
	if err := os.WriteFile(create.OwnerPasswordFile, []byte("a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := create.Run(bg, quiet)
	if err == nil || !strings.Contains(err.Error(), "owner.password must be at least 8 characters") {
		t.Fatalf("a one-letter owner password: %v", err)
	}
	file := filepath.Join(t.TempDir(), "common")
	if err := os.WriteFile(file, []byte("password1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	create.OwnerPasswordFile = file
	if err := create.Run(bg, quiet); err == nil || !strings.Contains(err.Error(), "owner.password") {
		t.Fatalf("a common owner password: %v", err)
	}
}

// A policy under which nobody could manage users is refused, on creation
// and on change, and owners always manage users.
func TestAPolicyThatLeavesNobodyManagingUsersIsRefused(t *testing.T) {
	t.Parallel()
	base, boss := acmeOverHTTP(t)
	for _, managers := range [][]string{{}, {"admin"}, {"manager", "member"}} {
		got := expect(t, "managers_of_users "+strings.Join(managers, ","), call(t, base, "PATCH", "/v1/tenants/acme/policy", boss,
			obj{"managers_of_users": managers}), http.StatusBadRequest, "invalid")
		if got.str("field") != "managers_of_users" {
			t.Fatalf("the refusal names %q: %s", got.str("field"), got.Raw)
		}
	}
	created := call(t, base, "POST", "/v1/tenants", "op-token", obj{"id": "globex", "name": "Globex", "seats": 3,
		"policy": obj{"managers_of_users": []string{}}, "owner": obj{"email": "o@globex.example", "name": "O", "password": "owner pass phrase"}})
	if expect(t, "a tenant whose policy names no manager", created, http.StatusBadRequest, "invalid").str("field") != "policy.managers_of_users" {
		t.Fatalf("the refusal: %s", created.Raw)
	}
	expect(t, "the owner still manages users", call(t, base, "POST", "/v1/tenants/acme/users", boss,
		obj{"id": "bob", "email": "bob@acme.example", "name": "Bob", "role": "member"}), http.StatusCreated, "")
	got := expect(t, "owners and managers", call(t, base, "PATCH", "/v1/tenants/acme/policy", boss,
		obj{"managers_of_users": []string{"manager", "owner"}}), http.StatusOK, "")
	if managers := got.Body["policy"].(map[string]any)["managers_of_users"]; len(managers.([]any)) != 2 {
		t.Fatalf("managers_of_users read back: %v", managers)
	}
}

// Work goes where the seeds say: managers of users assign any item; other
// staff take an unassigned item or hand back their own, and nothing else;
// customers nothing. Transfers follow the same rule.
func TestWorkAssignmentRightsFollowTheSeeds(t *testing.T) {
	t.Parallel()
	base, boss := acmeOverHTTP(t)
	for _, u := range [][2]string{{"adam", "admin"}, {"ann", "member"}, {"bob", "member"}} {
		httpUser(t, base, "acme", u[0], u[1], "member")
	}
	httpUser(t, base, "acme", "cy", "member", "customer")
	adam, ann, cy := httpLogin(t, base, "acme", "adam"), httpLogin(t, base, "acme", "ann"), httpLogin(t, base, "acme", "cy")
	work := func(who, token, item string, assignee any) reply {
		return call(t, base, "PUT", "/v1/tenants/acme/work/"+item, token, obj{"kind": "job", "assignee": assignee})
	}
	expect(t, "the owner gives j1 to herself", work("boss", boss, "j1", "boss"), http.StatusOK, "")
	expect(t, "an admin gives j2 to bob", work("adam", adam, "j2", "bob"), http.StatusOK, "")
	expect(t, "an admin files j3 unassigned", work("adam", adam, "j3", nil), http.StatusOK, "")
	expect(t, "ann takes the owner's item", work("ann", ann, "j1", "ann"), http.StatusForbidden, "forbidden")
	expect(t, "ann unassigns the owner's item", work("ann", ann, "j1", nil), http.StatusForbidden, "forbidden")
	expect(t, "ann takes bob's item", work("ann", ann, "j2", "ann"), http.StatusForbidden, "forbidden")
	expect(t, "ann gives an unassigned item to bob", work("ann", ann, "j3", "bob"), http.StatusForbidden, "forbidden")
	expect(t, "ann takes an unassigned item", work("ann", ann, "j3", "ann"), http.StatusOK, "")
	expect(t, "ann passes her item to bob", work("ann", ann, "j3", "bob"), http.StatusForbidden, "forbidden")
	expect(t, "ann hands her item back", work("ann", ann, "j3", nil), http.StatusOK, "")
	expect(t, "a customer takes an item", work("cy", cy, "j3", "cy"), http.StatusForbidden, "forbidden")

	expect(t, "ann takes j3 again", work("ann", ann, "j3", "ann"), http.StatusOK, "")
	transfer := func(token, from, to string) reply {
		return call(t, base, "POST", "/v1/tenants/acme/ownership-transfers", token, obj{"from": from, "to": to})
	}
	expect(t, "ann transfers her work to bob", transfer(ann, "ann", "bob"), http.StatusForbidden, "forbidden")
	expect(t, "ann transfers bob's work to herself", transfer(ann, "bob", "ann"), http.StatusForbidden, "forbidden")
	moved := expect(t, "ann hands all her work back", transfer(ann, "ann", "unassigned"), http.StatusOK, "")
	if moved.Body["moved"] != float64(1) {
		t.Fatalf("moved: %s", moved.Raw)
	}
	expect(t, "an admin transfers bob's work to ann", transfer(adam, "bob", "ann"), http.StatusOK, "")
}

// Unicode and ASCII (punycode) forms of one internationalised domain name
// are one address: one user per address, and either form logs in.
func TestTheUnicodeAndASCIIFormsOfADomainAreOneAddress(t *testing.T) {
	t.Parallel()
	base, boss := acmeOverHTTP(t)
	expect(t, "invite at bücher", call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"id": "ann", "email": "ann@bücher.example",
		"name": "Ann", "role": "member", "password": passwordOf("ann"), "activate": true}), http.StatusCreated, "")
	expect(t, "invite the same address in ASCII", call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"id": "ann2", "email": "ann@xn--bcher-kva.example",
		"name": "Ann Two", "role": "member"}), http.StatusConflict, "email_taken")
	expect(t, "invite it in capitals and full-width letters", call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"id": "ann3", "email": "ann@ＢÜCHER.example",
		"name": "Ann Three", "role": "member"}), http.StatusConflict, "email_taken")
	for _, email := range []string{"ann@xn--bcher-kva.example", "ANN@BÜCHER.EXAMPLE"} {
		expect(t, "log in as "+email, call(t, base, "POST", "/v1/tenants/acme/sessions", "", obj{"email": email, "password": passwordOf("ann")}),
			http.StatusCreated, "")
	}
	expect(t, "another domain is another address", call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"id": "ann4", "email": "ann@bucher.example",
		"name": "Ann Four", "role": "member"}), http.StatusCreated, "")
}

// If-Match is honoured on the tenant's writes against the version the
// Tenant shows (412 when stale), and refused with 400 on teams and work
// items, which carry no version: never silently ignored.
func TestIfMatchIsHonouredOnTenantsAndRefusedWhereThereIsNoVersion(t *testing.T) {
	t.Parallel()
	base, boss := acmeOverHTTP(t)
	tenant := expect(t, "read the tenant", call(t, base, "PUT", "/v1/tenants/acme/seats", boss, obj{"seats": 10}), http.StatusOK, "")
	version, stale := `"`+tenantVersion(tenant)+`"`, `"1"`
	expect(t, "a stale If-Match on the policy", call(t, base, "PATCH", "/v1/tenants/acme/policy", boss, obj{"deletion_allowed": false},
		"If-Match", stale), http.StatusPreconditionFailed, "version_mismatch")
	expect(t, "a stale If-Match on the seats", call(t, base, "PUT", "/v1/tenants/acme/seats", boss, obj{"seats": 12},
		"If-Match", stale), http.StatusPreconditionFailed, "version_mismatch")
	changed := expect(t, "the current If-Match on the seats", call(t, base, "PUT", "/v1/tenants/acme/seats", boss, obj{"seats": 12},
		"If-Match", version), http.StatusOK, "")
	expect(t, "the version before that change", call(t, base, "PATCH", "/v1/tenants/acme/policy", boss, obj{"deletion_allowed": false},
		"If-Match", version), http.StatusPreconditionFailed, "version_mismatch")
	expect(t, "the version after it", call(t, base, "PATCH", "/v1/tenants/acme/policy", boss, obj{"deletion_allowed": false},
		"If-Match", `"`+tenantVersion(changed)+`"`), http.StatusOK, "")

	for what, r := range map[string]reply{
		"a team":           call(t, base, "PUT", "/v1/tenants/acme/teams/red", boss, obj{"name": "Red"}, "If-Match", `"1"`),
		"a team's member":  call(t, base, "PUT", "/v1/tenants/acme/teams/red/members/boss", boss, nil, "If-Match", `"1"`),
		"a team's leader":  call(t, base, "PUT", "/v1/tenants/acme/teams/red/leader", boss, obj{"user": nil}, "If-Match", `"1"`),
		"a work item":      call(t, base, "PUT", "/v1/tenants/acme/work/j1", boss, obj{"kind": "job", "assignee": nil}, "If-Match", `"1"`),
		"a transfer":       call(t, base, "POST", "/v1/tenants/acme/ownership-transfers", boss, obj{"from": "boss", "to": "unassigned"}, "If-Match", `"1"`),
		"a new user":       call(t, base, "POST", "/v1/tenants/acme/users", boss, obj{"email": "x@acme.example", "name": "X", "role": "member"}, "If-Match", `"1"`),
		"a new tenant":     call(t, base, "POST", "/v1/tenants", "op-token", obj{"id": "globex", "name": "G", "seats": 1, "owner": obj{"email": "o@globex.example", "name": "O", "password": "owner pass phrase"}}, "If-Match", `"1"`),
		"a leaving member": call(t, base, "DELETE", "/v1/tenants/acme/teams/red/members/boss", boss, nil, "If-Match", `"1"`),
	} {
		if expect(t, "If-Match on "+what, r, http.StatusBadRequest, "invalid").str("field") != "If-Match" {
			t.Fatalf("If-Match on %s: %s", what, r.Raw)
		}
	}
}

// tenantVersion is the Tenant's version as If-Match takes it.
func tenantVersion(r reply) string {
	v, _ := r.Body["version"].(float64)
	return strconv.FormatInt(int64(v), 10)
}

// Deleting a deleted user is a no-op: 200 with changed false, nothing stored.
func TestDeletingADeletedUserAnswersChangedFalse(t *testing.T) {
	t.Parallel()
	base, boss := acmeOverHTTP(t)
	httpUser(t, base, "acme", "ann", "member", "member")
	first := expect(t, "delete ann", call(t, base, "DELETE", "/v1/tenants/acme/users/ann", boss, obj{"reason": "gdpr request"}), http.StatusOK, "")
	again := expect(t, "delete ann again", call(t, base, "DELETE", "/v1/tenants/acme/users/ann", boss, obj{"reason": "gdpr request"}), http.StatusOK, "")
	if again.Body["changed"] != false || again.str("status") != "deleted" || again.str("name") != "Deleted user" || again.str("position") != first.str("position") {
		t.Fatalf("the second deletion answered %s (the first %s)", again.Raw, first.Raw)
	}
}

// A password set for a user is screened against their e-mail address and
// name, as an invitation's is, not only against the ids: whoever sets it.
func TestAPasswordChangeIsScreenedAgainstTheUsersOwnDetails(t *testing.T) {
	t.Parallel()
	_, server := serviceWith(t, testAccess)
	base := server.URL
	httpTenant(t, base, "acme", "strict", 10, nil)
	expect(t, "invite Quintus", call(t, base, "POST", "/v1/tenants/acme/users", "op-token", obj{"id": "u-7",
		"email": "quintus.fairweather@acme.example", "name": "Quintus Fairweather", "role": "member", "kind": "member",
		"password": passwordOf("u-7"), "activate": true}), http.StatusCreated, "")
	const ownDetails = "fairweatherquintus" // strong enough for anyone but Quintus
	expect(t, "the operator sets Quintus's password to his own name", call(t, base, "PUT", "/v1/tenants/acme/users/u-7/password",
		"op-token", obj{"password": ownDetails}), http.StatusBadRequest, "invalid")
	quintus := expect(t, "Quintus logs in", call(t, base, "POST", "/v1/tenants/acme/sessions", "",
		obj{"email": "quintus.fairweather@acme.example", "password": passwordOf("u-7")}), http.StatusCreated, "").str("token")
	expect(t, "Quintus sets his own password to his name", call(t, base, "PUT", "/v1/tenants/acme/users/u-7/password", quintus,
		obj{"password": ownDetails, "current_password": passwordOf("u-7")}), http.StatusBadRequest, "invalid")
	expect(t, "a passphrase not made of his details", call(t, base, "PUT", "/v1/tenants/acme/users/u-7/password", "op-token",
		obj{"password": "a passphrase of his own"}), http.StatusOK, "")
}
