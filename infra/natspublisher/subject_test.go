package natspublisher_test

import (
	"testing"

	"github.com/rosterhq/roster/infra/natspublisher"
)

// A subject is roster.<tenant>.<type>; a tenant or type holding what NATS
// gives meaning to, or what Roster never writes, is refused, never encoded.
func TestSubjects(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, tenant, eventType, want string
	}{
		{"a_type_is_its_dot_separated_tokens", "acme-2", "user.deactivated.v1", "roster.acme-2.user.deactivated.v1"},
		{"underscores_are_kept", "acme", "user.sessions_revoked.v1", "roster.acme.user.sessions_revoked.v1"},
		{"a_dot_in_a_tenant_is_refused", "acme.corp", "user.invited.v1", ""},
		{"a_wildcard_in_a_tenant_is_refused", "*", "user.invited.v1", ""},
		{"a_tail_wildcard_in_a_tenant_is_refused", ">", "user.invited.v1", ""},
		{"whitespace_in_a_tenant_is_refused", "ac me", "user.invited.v1", ""},
		{"an_empty_tenant_is_refused", "", "user.invited.v1", ""},
		{"an_upper_case_tenant_is_refused", "Acme", "user.invited.v1", ""},
		{"a_wildcard_in_a_type_is_refused", "acme", "user.*", ""},
		{"a_tail_wildcard_in_a_type_is_refused", "acme", "user.>", ""},
		{"whitespace_in_a_type_is_refused", "acme", "user.in vited.v1", ""},
		{"an_empty_type_token_is_refused", "acme", "user..v1", ""},
		{"a_trailing_dot_is_refused", "acme", "user.invited.", ""},
		{"an_empty_type_is_refused", "acme", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := natspublisher.Subject(c.tenant, c.eventType)
			if got != c.want || (err == nil) != (c.want != "") {
				t.Errorf("Subject(%q, %q) = %q, %v; want %q", c.tenant, c.eventType, got, err, c.want)
			}
		})
	}
}
