package writeapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/domain"
)

// requireRefusal fails unless decoding raw as T is refused as invalid
// naming field, with a detail that contains want.
func requireRefusal[T any](t *testing.T, raw, field, want string) {
	t.Helper()
	var v T
	err := decodeJSON([]byte(raw), &v)
	var refusal *domain.Error
	if !errors.As(err, &refusal) || refusal.Code != domain.CodeInvalid || refusal.Field != field || !strings.Contains(refusal.Detail, want) {
		t.Errorf("%s: %#v, want invalid naming %q with a detail saying %q", raw, err, field, want)
	}
}

// A finding of issue 14: a body's keys must match the contract's exactly.
// "Role" is not "role", and a key given twice is refused rather than read
// as its last value; both refusals name the key.
func TestABodyKeyMustMatchExactlyAndAppearOnce(t *testing.T) {
	t.Parallel()
	requireRefusal[inviteBody](t, `{"email": "x@acme.example", "name": "X", "Role": "owner"}`, "Role", "unknown field")
	requireRefusal[loginBody](t, `{"EMAIL": "x@acme.example", "password": "p"}`, "EMAIL", "unknown field")
	requireRefusal[createTenantBody](t, `{"id": "t", "owner": {"Name": "O"}}`, "owner.Name", "unknown field")
	requireRefusal[roleBody](t, `{"role": "member", "role": "owner"}`, "role", "more than once")
	requireRefusal[createTenantBody](t, `{"id": "t", "owner": {"name": "O", "name": "P"}}`, "owner.name", "more than once")
	requireRefusal[teamBody](t, `{"name": "Crew", "leader": null, "leader": "ann"}`, "leader", "more than once")
	requireRefusal[policyBody](t, `{"deletion_allowed": true, "Deletion_Allowed": false}`, "Deletion_Allowed", "unknown field")
}

// What the contract's bodies hold still decodes as before: embedded policy
// knobs, an empty list kept apart from an absent one, null apart from
// absent, and the refusals of a wrong type or of text that is not Unicode
// naming their member.
func TestBodiesStillDecodeAsTheContractSays(t *testing.T) {
	t.Parallel()
	var policy policyBody
	if err := decodeJSON([]byte(`{"preset": "helpdesk", "managers_of_users": [], "deletion_allowed": true}`), &policy); err != nil ||
		policy.ManagersOfUsers == nil || len(policy.ManagersOfUsers) != 0 || policy.DeletionAllowed == nil || !*policy.DeletionAllowed ||
		policy.Preset == nil || *policy.Preset != "helpdesk" {
		t.Errorf("policy: %+v, %v", policy, err)
	}
	var absent policyBody
	if err := decodeJSON([]byte(`{}`), &absent); err != nil || absent.ManagersOfUsers != nil {
		t.Errorf("an absent list decodes to %#v, %v", absent.ManagersOfUsers, err)
	}
	var team teamBody
	if err := decodeJSON([]byte(`{"name": "Crew", "leader": null}`), &team); err != nil || !team.Leader.Set || !team.Leader.Null {
		t.Errorf("team: %+v, %v", team, err)
	}
	var empty reasonBody
	if err := decodeJSON(nil, &empty); err != nil {
		t.Errorf("an empty body: %v", err)
	}
	requireRefusal[seatsBody](t, `{"seats": "3"}`, "seats", "must be")
	requireRefusal[seatsBody](t, `{"seats": 1.5}`, "seats", "must be")
	requireRefusal[inviteBody](t, `{"name": "a\ud800b"}`, "name", "valid Unicode")
	requireRefusal[inviteBody](t, "{\"name\": \"a\xffb\"}", "name", "valid Unicode")
	requireRefusal[inviteBody](t, `{"name": "x"} {}`, "", "exactly one JSON object")
	requireRefusal[inviteBody](t, `{"name": `, "", "malformed JSON")
	requireRefusal[inviteBody](t, `["x"]`, "", "must be a JSON object")
}
