package webhooks

import (
	"regexp"
	"slices"
	"time"

	"github.com/rosterhq/roster/domain"
)

// Endpoint is a tenant's webhook endpoint, as admins see it (never its
// secret).
type Endpoint struct {
	Tenant domain.TenantID
	ID     string
	URL    string
	// Types are the public event types sent, sorted; empty: every type.
	Types   []string
	Enabled bool
	// PreviousSecretUntil is when the secret before the last rotation stops
	// signing; zero when only one secret signs.
	PreviousSecretUntil time.Time
	CreatedAt           time.Time
	// DisabledAt and DisabledReason say when and why Roster disabled the
	// endpoint (410 Gone, failing for days); zero and "" otherwise.
	DisabledAt     time.Time
	DisabledReason string
	// FailingSince is the first failed attempt since the last success;
	// zero when the last attempt succeeded (or none was made).
	FailingSince time.Time
}

// NewEndpoint is what an admin gives to create an endpoint.
type NewEndpoint struct {
	URL     string
	Types   []string // empty: every type
	Enabled bool
}

// EndpointChange is a partial update: nil fields are left as they are.
// Enabling an endpoint clears why it was disabled, and its failing state.
type EndpointChange struct {
	URL     *string
	Types   *[]string
	Enabled *bool
}

// maxTypes bounds an endpoint's type filter.
const maxTypes = 100

// typeShape is the form of public event types: "user.deactivated.v1".
var typeShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*$`)

// normalTypes checks a type filter and returns it sorted, without
// repetitions (never nil, as the column).
func normalTypes(types []string) ([]string, error) {
	if len(types) > maxTypes {
		return nil, domain.InvalidField("types", "types holds more than %d types", maxTypes)
	}
	for _, t := range types {
		if !typeShape.MatchString(t) {
			return nil, domain.InvalidField("types", "%q is not a public event type such as user.deactivated.v1", t)
		}
	}
	out := slices.Compact(slices.Sorted(slices.Values(types)))
	if out == nil {
		out = []string{}
	}
	return out, nil
}
