package commands

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// CreateScimConnection is the input of the use case that creates a SCIM
// connection. Token is the bearer token the caller shows once (made by
// NewScimToken): only its digest is recorded. Neither Token nor the new
// id, both random, are part of what an Idempotency-Key compares: a keyed
// retry is the same request, answered with the first outcome (whose token
// was shown then, and never again).
type CreateScimConnection struct {
	Actor      domain.Actor           `json:"actor"`
	Connection domain.ConnectionID    `json:"-"`
	Name       string                 `json:"name"`
	Token      string                 `json:"-"`
	GroupRoles map[string]domain.Role `json:"group_roles"`
}

// createScimConnection records a new connection of the tenant. Owners only.
func createScimConnection(e *execution.Engine) Handler[CreateScimConnection] {
	return handler(e, "create_scim_connection", func(_ context.Context, _ execution.Envelope, in CreateScimConnection) (domain.Command, execution.Shown, error) {
		digest, ok := ScimTokenDigest(in.Token)
		if !ok {
			return nil, execution.Shown{}, errors.New("commands: a SCIM connection's token must come from NewScimToken")
		}
		return domain.CreateScimConnection{
			Actor: in.Actor, Connection: in.Connection, Name: in.Name, TokenDigest: digest, GroupRoles: in.GroupRoles,
		}, execution.Shown{}, nil
	})
}

// scimTokenPrefix marks SCIM connection tokens, so that secret scanners and
// people can tell a leaked one from a session token ("rst_").
const scimTokenPrefix = "rsc_"

const scimTokenBytes = 32

var scimTokenLength = len(scimTokenPrefix) + base64.RawURLEncoding.EncodedLen(scimTokenBytes)

// NewScimToken returns a fresh SCIM connection token.
func NewScimToken() string {
	raw := make([]byte, scimTokenBytes)
	_, _ = rand.Read(raw) // crypto/rand.Read never returns an error
	return scimTokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// ScimTokenDigest checks that token has the shape of a SCIM connection token
// and returns the digest it is recorded under; ok is false for anything
// else, which then costs no look-up at all.
func ScimTokenDigest(token string) (digest string, ok bool) {
	body, found := strings.CutPrefix(token, scimTokenPrefix)
	if !found || len(token) != scimTokenLength {
		return "", false
	}
	if raw, err := base64.RawURLEncoding.Strict().DecodeString(body); err != nil || len(raw) != scimTokenBytes {
		return "", false
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:]), true
}
