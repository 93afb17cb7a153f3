package personaldata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// ErrTampered is returned (wrapped) when sealed personal data does not open
// with its person's existing data key: the stored event was altered, or was
// sealed under another key. It is never taken for an erasure.
var ErrTampered = errors.New("personaldata: sealed personal data fails authentication")

var (
	userDeletedType = domain.UserDeleted{}.EventType()
	userInvitedType = domain.UserInvited{}.EventType()
	tenantPrefix    = execution.StreamOf("")
)

// tenantOf returns the tenant whose stream is stream ("tenant-<id>").
func tenantOf(stream string) (domain.TenantID, bool) {
	id, ok := strings.CutPrefix(stream, tenantPrefix)
	return domain.TenantID(id), ok && id != ""
}

// sealedBatch is a batch ready to append: personal data sealed, and the users
// whose keys the batch destroys (those of its UserDeleted events).
type sealedBatch struct {
	tenant domain.TenantID
	events []eventstore.NewEvent
	erased []domain.UserID
}

// sealBatch seals the pii of every event of a batch bound for stream. The
// caller's events are not modified.
func (s *Store) sealBatch(ctx context.Context, stream string, events []eventstore.NewEvent) (sealedBatch, error) {
	batch, scanned, users, err := scanBatch(stream, events)
	if err != nil || len(users) == 0 {
		return batch, err
	}
	return batch, s.sealAll(ctx, batch, scanned, users)
}

// scanBatch finds the personal data and deletions of a batch bound for
// stream: the batch to seal (a copy), each event's fields, and the users
// whose data it carries.
func scanBatch(stream string, events []eventstore.NewEvent) (sealedBatch, []fields, []domain.UserID, error) {
	batch := sealedBatch{events: slices.Clone(events)}
	scanned := make([]fields, len(events))
	var users []domain.UserID
	for i, e := range events {
		f, err := scanFields(e.Payload)
		hasPII := err == nil && f.hasPII(e.Payload)
		if hasPII && !json.Valid(e.Payload) {
			err = errNotJSON // sealing would hide the invalid part from PostgreSQL's check
		}
		if err == nil && (hasPII || e.Type == userDeletedType) && f.user == "" {
			err = fmt.Errorf("personal data or a deletion without a %q string", fieldUser)
		}
		if err != nil {
			return sealedBatch{}, nil, nil, fmt.Errorf("personaldata: append %s: event %s: %w", stream, e.ID, err)
		}
		users = appendOnce(users, domain.UserID(f.user), hasPII)
		batch.erased = appendOnce(batch.erased, domain.UserID(f.user), e.Type == userDeletedType)
		scanned[i] = f
	}
	if len(users) == 0 && len(batch.erased) == 0 {
		return batch, scanned, nil, nil
	}
	tenant, ok := tenantOf(stream)
	if !ok {
		return sealedBatch{}, nil, nil, fmt.Errorf("personaldata: append %s: personal data and deletions belong in a tenant stream (%s<id>)", stream, tenantPrefix)
	}
	batch.tenant = tenant
	return batch, scanned, users, nil
}

// appendOnce appends id to ids when want is true and id is not there yet.
func appendOnce(ids []domain.UserID, id domain.UserID, want bool) []domain.UserID {
	if !want || slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}

// sealAll gets or creates the keys of users and seals each event's pii in
// place in batch.events. A user who is already deleted gets no key: their
// data is sealed under a random key that is forgotten at once, so it reads
// as erased from the moment it is stored.
func (s *Store) sealAll(ctx context.Context, batch sealedBatch, scanned []fields, users []domain.UserID) error {
	if len(users) == 0 {
		return nil
	}
	keys, err := s.vault.ensure(ctx, batch.tenant, users, onlyInvitations(batch.events, scanned))
	if err != nil {
		return err
	}
	return sealWith(batch, scanned, keys)
}

// sealWith seals each event's pii in place in batch.events with its user's
// key from keys; a user without one gets a throwaway key (see sealAll).
func sealWith(batch sealedBatch, scanned []fields, keys dataKeys) error {
	for i, e := range batch.events {
		if !scanned[i].hasPII(e.Payload) {
			continue
		}
		ref := UserRef{batch.tenant, domain.UserID(scanned[i].user)}
		aead, ok := keys[ref]
		if !ok {
			var err error
			if aead, err = newAEAD(randomKey()); err != nil {
				return fmt.Errorf("personaldata: throwaway key: %w", err)
			}
		}
		pii := scanned[i].pii
		value := sealedValue(seal(aead, e.Payload[pii.start:pii.end], ref.associatedData()))
		batch.events[i].Payload = splice(e.Payload, pii, value)
	}
	return nil
}

// onlyInvitations reports whether every event with personal data is a
// UserInvited, whose user is new: then keys are created before being looked up.
func onlyInvitations(events []eventstore.NewEvent, scanned []fields) bool {
	for i, e := range events {
		if scanned[i].hasPII(e.Payload) && e.Type != userInvitedType {
			return false
		}
	}
	return true
}

// sealedPII is one event's sealed personal data found in a page of events.
type sealedPII struct {
	index  int // in the page
	ref    UserRef
	value  span
	sealed []byte
}

// locate finds the sealed personal data of a page of events. Events whose
// payload does not contain the bytes "pii" are not even parsed.
func locate(events []eventstore.RecordedEvent) ([]sealedPII, error) {
	var found []sealedPII
	for i, e := range events {
		if !bytes.Contains(e.Payload, piiKey) {
			continue
		}
		f, err := scanFields(e.Payload)
		if err != nil {
			return nil, fmt.Errorf("personaldata: read event %s: %w", e.ID, err)
		}
		if !f.hasPII(e.Payload) {
			continue
		}
		sealed, ok := parseSealedValue(e.Payload[f.pii.start:f.pii.end])
		tenant, inTenant := tenantOf(e.StreamID)
		if !ok || !inTenant || f.user == "" {
			return nil, fmt.Errorf("personaldata: read event %s of %s: its personal data is not sealed", e.ID, e.StreamID)
		}
		found = append(found, sealedPII{index: i, ref: UserRef{tenant, domain.UserID(f.user)}, value: f.pii, sealed: sealed})
	}
	return found, nil
}

// refsOf lists the distinct people of found.
func refsOf(found []sealedPII) []UserRef {
	seen := make(map[UserRef]bool, len(found))
	refs := make([]UserRef, 0, len(found))
	for _, f := range found {
		if !seen[f.ref] {
			seen[f.ref] = true
			refs = append(refs, f.ref)
		}
	}
	return refs
}

// openAll puts the clear personal data back into events, or {"erased":true}
// where the person's key is gone.
func openAll(events []eventstore.RecordedEvent, found []sealedPII, keys dataKeys) error {
	for _, f := range found {
		e := &events[f.index]
		value := erasedValue
		if aead, ok := keys[f.ref]; ok {
			clear, err := open(aead, f.sealed, f.ref.associatedData())
			if err != nil {
				return fmt.Errorf("personaldata: read event %s of %s: %w", e.ID, e.StreamID, ErrTampered)
			}
			value = clear
		}
		e.Payload = splice(e.Payload, f.value, value)
	}
	return nil
}

// unseal opens the personal data of a page of events in place, fetching the
// keys of all its people in one query.
func (s *Store) unseal(ctx context.Context, events []eventstore.RecordedEvent) error {
	found, err := locate(events)
	if err != nil || len(found) == 0 {
		return err
	}
	keys, err := s.vault.fetch(ctx, refsOf(found))
	if err != nil {
		return err
	}
	return openAll(events, found, keys)
}
