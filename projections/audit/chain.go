package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Hash is an entry's link in its tenant's chain (SHA-256).
type Hash [sha256.Size]byte

// String renders h as 64 lowercase hexadecimal digits.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// genesisLabel starts every tenant's chain, and names the encoding's version.
const genesisLabel = "roster-audit-v1"

// Genesis is h_0 of tenant's chain: SHA-256("roster-audit-v1" || tenant).
func Genesis(tenant domain.TenantID) Hash {
	return sha256.Sum256([]byte(genesisLabel + string(tenant)))
}

// Chain is the hash of record following prev: SHA-256(prev || Canonical).
func Chain(prev Hash, r Record) Hash {
	return sha256.Sum256(r.appendCanonical(append(make([]byte, 0, 256), prev[:]...)))
}

// atLayout renders At in the hashed encoding: UTC, always six fractional
// digits (the read model keeps microseconds).
const atLayout = "2006-01-02T15:04:05.000000Z"

// Record is an audit entry as the read model stores it, before names are
// joined: everything the event log alone determines. The projector writes
// it (RecordOf) and verify recomputes it from the event store; every field
// but Position is hashed.
type Record struct {
	Tenant   domain.TenantID
	Position eventstore.Position
	Version  int64  // in the tenant's stream
	EventID  string // as the event store renders it
	At       time.Time
	Action   string // the event type
	Actor    string // "" for the operator or system
	Target   string // "" for events about no user
	Reason   string // "" for none
	Details  []byte // canonical JSON (CanonicalJSON)
}

// RecordOf builds e's audit record; ok is false for an event the audit
// trail does not hold (one that reached the projector undecoded).
func RecordOf(e projections.Event) (r Record, ok bool) {
	if e.Data == nil {
		return Record{}, false
	}
	return Record{Tenant: e.Tenant, Position: e.Position, Version: e.Version, EventID: e.ID,
		At: e.OccurredAt.UTC().Truncate(time.Microsecond), Action: e.Data.EventType(),
		Actor: e.Meta.Actor.ID(), Target: targetID(e.Data), Reason: reason(e),
		Details: CanonicalJSON(Details(e.Data))}, true
}

// Canonical is the record's hashed encoding (see the package doc): each of
// tenant, version, event id, at, action, actor, target, reason and details,
// in that order, as a 4-byte big-endian length followed by its UTF-8 bytes.
func (r Record) Canonical() []byte { return r.appendCanonical(nil) }

// appendCanonical appends the record's canonical encoding to out.
func (r Record) appendCanonical(out []byte) []byte {
	field := func(f []byte) {
		out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	var scratch [32]byte
	field([]byte(r.Tenant))
	field(strconv.AppendInt(scratch[:0], r.Version, 10))
	field([]byte(r.EventID))
	field(r.At.UTC().AppendFormat(scratch[:0], atLayout))
	field([]byte(r.Action))
	field([]byte(r.Actor))
	field([]byte(r.Target))
	field([]byte(r.Reason))
	field(r.Details)
	return out
}

// CanonicalJSON encodes v as encoding/json does, but with object keys in
// byte order at every depth (maps are; details hold no structs), no
// whitespace and no HTML escaping. Details values always encode; should one
// not, the result is "{}", which verify would then report.
func CanonicalJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("{}")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// recanonical re-encodes stored JSON (jsonb reorders keys and respaces it)
// canonically, numbers kept as written.
func recanonical(stored []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(stored))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return CanonicalJSON(v), nil
}
