package domain

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// sampleEvents has one fully populated value of every catalogue event.
func sampleEvents() []Event {
	pd := PersonalData{Email: "ann@example.test", Name: "Ann Example", PasswordHash: "h$secret"}
	return []Event{
		TenantCreated{Tenant: "acme", Name: "Acme", Preset: PresetCommerce, Policy: mustPreset(PresetCommerce)},
		TenantPolicyChanged{Preset: PresetHelpdesk, Policy: mustPreset(PresetHelpdesk)},
		SeatsChanged{Seats: 7, Previous: 5},
		UserInvited{User: "ann", PII: pd, EmailIndex: "bi-ann", Role: RoleAdmin, Kind: KindMember, ExternalIDIndex: "bi-00u1"},
		UserActivated{User: "ann"},
		UserDeactivated{User: "ann", AllowReactivationOnPurchase: true},
		UserReactivated{User: "ann"},
		UserBlocked{User: "ann", PreviousStatus: StatusInactive},
		UserUnblocked{User: "ann", Status: StatusInactive},
		SessionsRevoked{User: "ann", RevokedBefore: t0, Reason: "lost laptop"},
		UserLoggedIn{User: "ann", At: t0},
		RoleChanged{User: "ann", From: RoleMember, To: RoleAdmin},
		PasswordSet{User: "ann", PII: PersonalData{PasswordHash: "h$secret"}},
		UserDeleted{User: "ann", Reason: "gdpr"},
		TeamDefined{Team: "red", Name: "Red"},
		TeamJoined{Team: "red", User: "ann"},
		TeamLeft{Team: "red", User: "ann"},
		TeamLeaderAssigned{Team: "red", Leader: "ann", Previous: "bob"},
		WorkAssigned{Item: "j1", Kind: "job", Assignee: "ann", Previous: "bob"},
		OwnershipTransferred{From: "ann", To: "bob", Items: []WorkItemID{"j1", "j2"}, Reason: "handover"},
		CustomerEmailBlocked{User: "ann", EmailIndex: "bi-ann"},
		CustomerEmailUnblocked{User: "ann", EmailIndex: "bi-ann"},
		ProfileChanged{User: "ann", PII: PersonalData{Email: "ann@example.test", Name: "Ann", ExternalID: "00u1", GivenName: "Ann", FamilyName: "Example"},
			EmailIndex: "bi-ann", ExternalIDIndex: "bi-00u1"},
		TeamDeleted{Team: "red"},
		ScimConnectionCreated{Connection: "okta", Name: "Okta", TokenDigest: "digest", GroupRoles: map[string]Role{"Admins": RoleAdmin}},
		ScimConnectionRevoked{Connection: "okta"},
	}
}

func TestRegistryRoundTripsEveryEventType(t *testing.T) {
	t.Parallel()
	samples := sampleEvents()
	var names []string
	for _, e := range samples {
		name := EventTypeName(e)
		names = append(names, name)
		version, ok := SchemaVersion(name)
		if !ok || version != 1 {
			t.Fatalf("%s: schema version %d, %v", name, version, ok)
		}
		payload, err := EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeEvent(name, version, payload)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, e) {
			t.Fatalf("%s: round trip\n got  %#v\n want %#v", name, back, e)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, EventTypes()) {
		t.Fatalf("samples cover %v, registry holds %v", names, EventTypes())
	}
}

func TestRegistryDecodesZeroPayloadsToTheirOwnType(t *testing.T) {
	t.Parallel()
	for _, name := range EventTypes() {
		e, err := DecodeEvent(name, 1, []byte(`{}`))
		if err != nil || e.EventType() != name {
			t.Fatalf("%s decodes to %v, %v", name, e, err)
		}
	}
}

func TestRegistryRefusesUnknownTypesAndVersions(t *testing.T) {
	t.Parallel()
	if _, err := DecodeEvent("UserTeleported", 1, []byte(`{}`)); !errors.Is(err, ErrUnknownEventType) {
		t.Fatalf("unknown type: %v", err)
	}
	if _, err := DecodeEvent("UserActivated", 2, []byte(`{}`)); !errors.Is(err, ErrSchemaVersion) {
		t.Fatalf("future version: %v", err)
	}
	if _, err := DecodeEvent("UserActivated", 1, []byte(`[`)); err == nil {
		t.Fatal("malformed payload decoded")
	}
	if _, ok := SchemaVersion("UserTeleported"); ok {
		t.Fatal("unknown type has a schema version")
	}
	if _, err := EncodeEvent(nil); !errors.Is(err, ErrUnknownEventType) {
		t.Fatalf("nil event: %v", err)
	}
}

// TestPersonalDataTravelsOnlyInPII checks the convention an outer codec
// relies on: clear personal data only inside a top-level "pii" that sits
// next to a top-level "user", and snake_case field names everywhere.
func TestPersonalDataTravelsOnlyInPII(t *testing.T) {
	t.Parallel()
	for _, e := range sampleEvents() {
		payload, err := EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(payload, &top); err != nil {
			t.Fatal(err)
		}
		_, hasPII := top["pii"]
		if _, hasUser := top["user"]; hasPII && !hasUser {
			t.Fatalf("%s has pii without user", e.EventType())
		}
		delete(top, "pii")
		rest, _ := json.Marshal(top)
		for _, secret := range []string{"ann@example.test", "Ann Example", "h$secret"} {
			if strings.Contains(string(rest), secret) {
				t.Fatalf("%s leaks %q outside pii: %s", e.EventType(), secret, rest)
			}
		}
		for key := range top {
			if key != strings.ToLower(key) || strings.Contains(key, "-") {
				t.Fatalf("%s field %q is not snake_case", e.EventType(), key)
			}
		}
	}
}

func TestSubjectsAreTheUsersWhoseVersionMoves(t *testing.T) {
	t.Parallel()
	cases := map[string][]UserID{
		"UserInvited":          {"ann"},
		"TeamLeaderAssigned":   {"ann", "bob"},
		"WorkAssigned":         nil,
		"OwnershipTransferred": nil,
		"TenantCreated":        nil,
	}
	for _, e := range sampleEvents() {
		want, ok := cases[e.EventType()]
		if ok && !slices.Equal(Subjects(e), want) {
			t.Fatalf("%s subjects %v, want %v", e.EventType(), Subjects(e), want)
		}
	}
	if got := Subjects(TeamLeaderAssigned{Team: "red", Leader: "", Previous: "bob"}); !slices.Equal(got, []UserID{"bob"}) {
		t.Fatalf("clearing a leader: subjects %v", got)
	}
}
