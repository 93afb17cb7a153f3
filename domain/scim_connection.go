package domain

import (
	"maps"
)

// A SCIM connection is an identity provider's way into one tenant: an owner
// creates it, gives its bearer token to the provider (Okta, Entra ID…), and
// every change the provider pushes is a command whose actor is the
// connection, decided under the same policy as any other. The write model
// holds connections so that a revoked one is refused by the very decision
// it tries to make, and so that what a connection may grant is checked
// there too.

// ConnectionID identifies a SCIM connection inside one tenant; valid ids
// are those of users (1–64 characters of [a-z0-9-]).
type ConnectionID string

// Valid reports whether id is well formed.
func (id ConnectionID) Valid() bool { return isSlug(string(id)) }

// Check refuses a malformed connection id.
func (id ConnectionID) Check(field string) error {
	return refuseUnless(id.Valid(), field, "a connection id: 1–64 characters of a-z, 0-9 and -")
}

// ConnectionNameText is the text of a connection's name: short enough that
// "scim:<name>", its actor id in the audit trail, is a filter of 128
// characters at most.
var ConnectionNameText = Text{Max: 64}

// MaxGroupRoles bounds a connection's group-to-role mapping.
const MaxGroupRoles = 100

// scimConnection is the write model of one connection.
type scimConnection struct {
	name        string
	tokenDigest string
	groupRoles  map[string]Role
	// grantsOwner: the connection was created by an owner (or the operator)
	// and its mapping names owner explicitly. Without both, nothing it
	// sends grants the owner role.
	grantsOwner bool
	revoked     bool
	createdAt   int64 // stream version of ScimConnectionCreated
}

// ConnectionView is a read-only copy of one connection, without its token
// digest.
type ConnectionView struct {
	ID          ConnectionID
	Name        string
	GroupRoles  map[string]Role
	GrantsOwner bool
	Revoked     bool
	// CreatedAt is the stream version of the event that created it.
	CreatedAt int64
}

// CreateScimConnection creates a SCIM connection; only owners (and the
// operator) may. TokenDigest is the digest of the token the caller shows
// once; the write model never sees the token itself.
type CreateScimConnection struct {
	Actor       Actor
	Connection  ConnectionID
	Name        string
	TokenDigest string
	GroupRoles  map[string]Role
}

// RevokeScimConnection revokes a connection: its token stops working at
// once, for every command it has not yet had decided.
type RevokeScimConnection struct {
	Actor      Actor
	Connection ConnectionID
}

func (c CreateScimConnection) actor() Actor { return c.Actor }
func (c RevokeScimConnection) actor() Actor { return c.Actor }

// ScimConnectionCreated records a new SCIM connection.
type ScimConnectionCreated struct {
	Connection  ConnectionID    `json:"connection"`
	Name        string          `json:"name"`
	TokenDigest string          `json:"token_digest"`
	GroupRoles  map[string]Role `json:"group_roles,omitempty"`
	GrantsOwner bool            `json:"grants_owner,omitempty"`
}

// ScimConnectionRevoked records a connection's revocation.
type ScimConnectionRevoked struct {
	Connection ConnectionID `json:"connection"`
}

// EventType returns "ScimConnectionCreated".
func (ScimConnectionCreated) EventType() string { return "ScimConnectionCreated" }

// EventType returns "ScimConnectionRevoked".
func (ScimConnectionRevoked) EventType() string { return "ScimConnectionRevoked" }

func (ScimConnectionCreated) subjects() []UserID { return nil }
func (ScimConnectionRevoked) subjects() []UserID { return nil }

// decideCreateScimConnection: names are unique among live connections, so
// that "scim:<name>" in the audit trail names one of them.
func decideCreateScimConnection(s *Tenant, c CreateScimConnection) ([]Event, error) {
	act, err := s.requireOwner(c.Actor)
	if err != nil {
		return nil, err
	}
	if err := c.Connection.Check("id"); err != nil {
		return nil, err
	}
	if err := checkName("name", c.Name); err != nil {
		return nil, err
	}
	if err := ConnectionNameText.Check("name", c.Name); err != nil {
		return nil, err
	}
	if c.TokenDigest == "" {
		return nil, errInvalid("a connection needs a token")
	}
	if len(c.GroupRoles) > MaxGroupRoles {
		return nil, errInvalidField("group_roles", "group_roles may map at most %d groups", MaxGroupRoles)
	}
	grantsOwner := false
	for _, group := range sortedKeys(c.GroupRoles) {
		field := "group_roles." + group
		if err := checkName("group_roles", group); err != nil {
			return nil, err
		}
		r := c.GroupRoles[group]
		if !r.Valid() {
			return nil, errInvalidField(field, "a group's role must be one of the tenant's roles, not %s", Quote(string(r)))
		}
		if err := s.checkGrant(act, r); err != nil {
			return nil, err
		}
		grantsOwner = grantsOwner || r == RoleOwner
	}
	if _, taken := s.connections[c.Connection]; taken {
		return nil, errTransition("a SCIM connection with this id exists")
	}
	for _, other := range s.connections {
		if !other.revoked && other.name == c.Name {
			return nil, errTransition("a live SCIM connection is named %s", Quote(c.Name))
		}
	}
	return []Event{ScimConnectionCreated{
		Connection: c.Connection, Name: c.Name, TokenDigest: c.TokenDigest,
		GroupRoles: c.GroupRoles, GrantsOwner: grantsOwner,
	}}, nil
}

// decideRevokeScimConnection: revoking a revoked connection is a no-op.
func decideRevokeScimConnection(s *Tenant, c RevokeScimConnection) ([]Event, error) {
	if _, err := s.requireOwner(c.Actor); err != nil {
		return nil, err
	}
	conn := s.connections[c.Connection]
	switch {
	case conn == nil:
		return nil, errNotFound("no such SCIM connection")
	case conn.revoked:
		return nil, nil
	}
	return []Event{ScimConnectionRevoked{Connection: c.Connection}}, nil
}

func evolveScimConnectionCreated(s *Tenant, e ScimConnectionCreated) {
	s.changeConnections()
	s.connections[e.Connection] = &scimConnection{
		name: e.Name, tokenDigest: e.TokenDigest, groupRoles: e.GroupRoles, grantsOwner: e.GrantsOwner,
		createdAt: s.version + 1, // the event's own version: Evolve counts it after applying it
	}
}

func evolveScimConnectionRevoked(s *Tenant, e ScimConnectionRevoked) {
	if c := s.connections[e.Connection]; c != nil {
		s.changeConnections()
		revoked := *c
		revoked.revoked = true
		s.connections[e.Connection] = &revoked
	}
}

// changeConnections makes a fork's own copy of the connections before
// Evolve first changes them (they are few, and rarely change).
func (s *Tenant) changeConnections() {
	if s.forked != nil && !s.forked.connections {
		s.connections, s.forked.connections = maps.Clone(s.connections), true
	}
	if s.connections == nil {
		s.connections = map[ConnectionID]*scimConnection{}
	}
}

// ConnectionByToken returns the live connection whose token has digest
// digest.
func (s *Tenant) ConnectionByToken(digest string) (ConnectionView, bool) {
	if digest == "" {
		return ConnectionView{}, false
	}
	for id, c := range s.connections {
		if !c.revoked && c.tokenDigest == digest {
			return c.view(id), true
		}
	}
	return ConnectionView{}, false
}

// Connections returns every connection, revoked ones included, in id order.
func (s *Tenant) Connections() []ConnectionView {
	out := make([]ConnectionView, 0, len(s.connections))
	for _, id := range sortedKeys(s.connections) {
		out = append(out, s.connections[id].view(id))
	}
	return out
}

func (c *scimConnection) view(id ConnectionID) ConnectionView {
	return ConnectionView{ID: id, Name: c.name, GroupRoles: maps.Clone(c.groupRoles), GrantsOwner: c.grantsOwner, Revoked: c.revoked, CreatedAt: c.createdAt}
}
