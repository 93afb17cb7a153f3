package natspublisher

import (
	"fmt"
	"strings"

	"github.com/rosterhq/roster/domain"
)

// SubjectPrefix is the first token of every subject the publisher uses;
// the stream captures SubjectPrefix + ".>".
const SubjectPrefix = "roster"

// Subject is where a public event of tenant and type is published:
// "roster.<tenant>.<type>", as in "roster.acme.user.deactivated.v1". A
// type's dots make it several tokens, so that "roster.*.user.>" matches
// every user event of every tenant.
//
// Characters a NATS subject gives meaning to ('.', '*', '>', whitespace)
// cannot come from a tenant id ([a-z0-9-], domain.TenantID) nor from a
// public event type (dot-separated [a-z0-9_] tokens): anything else is
// refused rather than encoded, since a row that holds it was written by a
// bug, and the publisher stops at it instead of sending it anywhere else.
func Subject(tenant, eventType string) (string, error) {
	if !domain.TenantID(tenant).Valid() {
		return "", fmt.Errorf("natspublisher: tenant id %q cannot be a subject token", tenant)
	}
	for _, token := range strings.Split(eventType, ".") {
		if token == "" || strings.ContainsFunc(token, notTypeRune) {
			return "", fmt.Errorf("natspublisher: event type %q cannot be subject tokens", eventType)
		}
	}
	return SubjectPrefix + "." + tenant + "." + eventType, nil
}

func notTypeRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
}
