package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// ErrUnknownEventType is wrapped by the errors of DecodeEvent and EncodeEvent
// for a type name outside the catalogue.
var ErrUnknownEventType = errors.New("unknown event type")

// ErrSchemaVersion is wrapped by DecodeEvent's error for a payload written
// under a schema version this build cannot read.
var ErrSchemaVersion = errors.New("unsupported event schema version")

// eventType is one registry entry. decode is the only way a payload becomes
// an Event, so types are never derived from Go type names or reflection.
type eventType struct {
	version int
	decode  func(payload []byte) (Event, error)
}

// registry is the event catalogue: stable name → schema version and decoder.
// When an event's shape changes, bump its version here and teach decode to
// upcast the older payloads.
var registry = map[string]eventType{
	"TenantCreated":          {1, decodeAs[TenantCreated]},
	"TenantPolicyChanged":    {1, decodeAs[TenantPolicyChanged]},
	"SeatsChanged":           {1, decodeAs[SeatsChanged]},
	"UserInvited":            {1, decodeAs[UserInvited]},
	"UserActivated":          {1, decodeAs[UserActivated]},
	"UserDeactivated":        {1, decodeAs[UserDeactivated]},
	"UserReactivated":        {1, decodeAs[UserReactivated]},
	"UserBlocked":            {1, decodeAs[UserBlocked]},
	"UserUnblocked":          {1, decodeAs[UserUnblocked]},
	"SessionsRevoked":        {1, decodeAs[SessionsRevoked]},
	"RoleChanged":            {1, decodeAs[RoleChanged]},
	"PasswordSet":            {1, decodeAs[PasswordSet]},
	"UserLoggedIn":           {1, decodeAs[UserLoggedIn]},
	"UserDeleted":            {1, decodeAs[UserDeleted]},
	"TeamDefined":            {1, decodeAs[TeamDefined]},
	"TeamJoined":             {1, decodeAs[TeamJoined]},
	"TeamLeft":               {1, decodeAs[TeamLeft]},
	"TeamLeaderAssigned":     {1, decodeAs[TeamLeaderAssigned]},
	"WorkAssigned":           {1, decodeAs[WorkAssigned]},
	"OwnershipTransferred":   {1, decodeAs[OwnershipTransferred]},
	"CustomerEmailBlocked":   {1, decodeAs[CustomerEmailBlocked]},
	"CustomerEmailUnblocked": {1, decodeAs[CustomerEmailUnblocked]},
	"ProfileChanged":         {1, decodeAs[ProfileChanged]},
	"TeamDeleted":            {1, decodeAs[TeamDeleted]},
	"ScimConnectionCreated":  {1, decodeAs[ScimConnectionCreated]},
	"ScimConnectionRevoked":  {1, decodeAs[ScimConnectionRevoked]},
}

func decodeAs[E Event](payload []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, err
	}
	return e, nil
}

// EventTypes lists every registered type name in lexical order.
func EventTypes() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// EventTypeName returns e's stable catalogue name.
func EventTypeName(e Event) string { return e.EventType() }

// SchemaVersion returns the schema version under which events named name are
// written now, and false for a name outside the catalogue.
func SchemaVersion(name string) (int, bool) {
	t, ok := registry[name]
	return t.version, ok
}

// EncodeEvent returns e's JSON payload (snake_case fields). Store it with
// EventTypeName(e) and SchemaVersion of that name.
func EncodeEvent(e Event) ([]byte, error) {
	if e == nil {
		return nil, fmt.Errorf("domain: encode nil event: %w", ErrUnknownEventType)
	}
	if _, ok := registry[e.EventType()]; !ok {
		return nil, fmt.Errorf("domain: encode %q: %w", e.EventType(), ErrUnknownEventType)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("domain: encode %s: %w", e.EventType(), err)
	}
	return b, nil
}

// DecodeEvent rebuilds the event stored as name at schemaVersion from its JSON
// payload; the result is a value of one of this package's event structs.
func DecodeEvent(name string, schemaVersion int, payload []byte) (Event, error) {
	t, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("domain: decode %q: %w", name, ErrUnknownEventType)
	}
	if schemaVersion != t.version {
		return nil, fmt.Errorf("domain: decode %s v%d (this build reads v%d): %w", name, schemaVersion, t.version, ErrSchemaVersion)
	}
	e, err := t.decode(payload)
	if err != nil {
		return nil, fmt.Errorf("domain: decode %s: %w", name, err)
	}
	return e, nil
}
