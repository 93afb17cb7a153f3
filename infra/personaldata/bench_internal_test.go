package personaldata

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

func invitationPayload(b *testing.B) []byte {
	payload, err := json.Marshal(domain.UserInvited{
		User: "3f1c9a52-7a0e-4d8e-9a61-0d2b8c4e5f70", EmailIndex: "a59fc578d4cb46faab1d6eb348e7c74b33b85122d6459fdb7bf5654b333acab4",
		PII:  domain.PersonalData{Email: "ada.lovelace@example.com", Name: "Ada Lovelace", PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"},
		Role: domain.RoleMember, Kind: domain.KindMember,
	})
	if err != nil {
		b.Fatal(err)
	}
	return payload
}

// sealOne is what Append does per event once the keys are at hand.
func sealOne(payload []byte, aead dataKeys, tenant domain.TenantID) ([]byte, error) {
	f, err := scanFields(payload)
	if err != nil || !json.Valid(payload) {
		return nil, fmt.Errorf("invalid payload: %v", err)
	}
	ref := UserRef{tenant, domain.UserID(f.user)}
	value := sealedValue(seal(aead[ref], payload[f.pii.start:f.pii.end], ref.associatedData()))
	return splice(payload, f.pii, value), nil
}

func benchKeys(b *testing.B, payload []byte) dataKeys {
	f, _ := scanFields(payload)
	aead, err := newAEAD(randomKey())
	if err != nil {
		b.Fatal(err)
	}
	return dataKeys{{"t1", domain.UserID(f.user)}: aead}
}

func BenchmarkSealEvent(b *testing.B) {
	payload := invitationPayload(b)
	keys := benchKeys(b, payload)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sealOne(payload, keys, "t1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnsealEvent(b *testing.B) {
	payload := invitationPayload(b)
	keys := benchKeys(b, payload)
	sealed, _ := sealOne(payload, keys, "t1")
	events := []eventstore.RecordedEvent{{StreamID: "tenant-t1", Payload: sealed}}
	b.ReportAllocs()
	for b.Loop() {
		events[0].Payload = sealed
		found, err := locate(events)
		if err == nil {
			err = openAll(events, found, keys)
		}
		if err != nil || string(events[0].Payload) != string(payload) {
			b.Fatalf("%v: %s", err, events[0].Payload)
		}
	}
}

func BenchmarkUnsealEventWithoutPII(b *testing.B) {
	events := []eventstore.RecordedEvent{{StreamID: "tenant-t1", Payload: []byte(`{"user":"3f1c9a52-7a0e-4d8e-9a61-0d2b8c4e5f70","allow_reactivation_on_purchase":true}`)}}
	b.ReportAllocs()
	for b.Loop() {
		if found, err := locate(events); err != nil || len(found) != 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnwrapDataKey is the per-person, per-page cost of opening a key.
func BenchmarkUnwrapDataKey(b *testing.B) {
	k, err := ParseMasterKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		b.Fatal(err)
	}
	w, _ := newWrapper(k)
	ref := UserRef{"t1", "u1"}
	wrapped, _ := w.newDataKey(ref)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.unwrap(ref, wrapped); err != nil {
			b.Fatal(err)
		}
	}
}
