package domain

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

func TestEveryPresetIsValid(t *testing.T) {
	t.Parallel()
	want := []string{PresetAnalytics, PresetCommerce, PresetFieldService, PresetHelpdesk, PresetStrict, PresetWorkManagement}
	if !slices.Equal(PresetNames(), want) {
		t.Fatalf("presets %v, want %v", PresetNames(), want)
	}
	for _, name := range PresetNames() {
		p, err := PresetPolicy(name)
		if err != nil || p.Validate() != nil {
			t.Fatalf("%s: %v %v", name, err, p.Validate())
		}
	}
	if _, err := PresetPolicy("lenient"); CodeOf(err) != CodeInvalid {
		t.Fatalf("unknown preset: %v", err)
	}
}

// TestPresetKnobs pins the knobs each seed article decides; a knob the
// article is silent about takes the strict value.
func TestPresetKnobs(t *testing.T) {
	t.Parallel()
	strict := mustPreset(PresetStrict)
	if strict.InactiveCanLogin || !strict.DeactivateRevokesSessions || !strict.ProtectSoleOwner ||
		strict.SeatLimit != SeatLimitEnforce || !strict.DeletionAllowed || !strict.ForbidHigherRoleTarget ||
		strict.HandoffOnDeactivate != HandoffKeep || !slices.Equal(strict.ManagersOfUsers, []Role{RoleOwner, RoleAdmin}) {
		t.Fatalf("strict: %+v", strict)
	}
	fs := mustPreset(PresetFieldService)
	if !fs.InactiveCanLogin || fs.DeactivateRevokesSessions || !fs.InactiveConsumesSeat || fs.SeatLimit != SeatLimitIgnore {
		t.Fatalf("field-service: %+v", fs)
	}
	an := mustPreset(PresetAnalytics)
	if an.DeletionAllowed || an.InactiveCanLogin || !slices.Equal(an.ManagersOfUsers, []Role{RoleOwner, RoleAdmin}) {
		t.Fatalf("analytics: %+v", an)
	}
	hd := mustPreset(PresetHelpdesk)
	if !hd.ProtectSoleOwner || !hd.DeactivateRevokesSessions || hd.HandoffOnDeactivate != HandoffKeep ||
		hd.DeactivateLeavesTeams || hd.DeleteUnassigns {
		t.Fatalf("helpdesk: %+v", hd)
	}
	wm := mustPreset(PresetWorkManagement)
	if wm.SeatLimit != SeatLimitEnforce || wm.InactiveConsumesSeat || !wm.DeleteUnassigns || wm.HandoffOnDeactivate != HandoffKeep {
		t.Fatalf("work-management: %+v", wm)
	}
	co := mustPreset(PresetCommerce)
	if !co.ForbidHigherRoleTarget || !co.ForbidDeactivatingTeamLeader || co.HandoffOnDeactivate != HandoffTeamLeader ||
		!co.DeactivateLeavesTeams || !co.CustomerReactivationOnPurchase || !co.DeactivateRevokesSessions {
		t.Fatalf("commerce: %+v", co)
	}
}

func TestPolicyValidateRejectsBadEnums(t *testing.T) {
	t.Parallel()
	good := mustPreset(PresetStrict)
	bad := map[string]PolicyPatch{
		"seat_limit":            {SeatLimit: ptr(SeatLimit("maybe"))},
		"handoff_on_deactivate": {HandoffOnDeactivate: ptr(Handoff("nobody"))},
		"managers_of_users":     {ManagersOfUsers: []Role{RoleOwner, "boss"}},
		"no managers of users":  {ManagersOfUsers: []Role{}},
		"owners not among them": {ManagersOfUsers: []Role{RoleAdmin}},
	}
	for knob, patch := range bad {
		err := good.Apply(patch).Validate()
		var de *Error
		if !errors.As(err, &de) || de.Code != CodeInvalid {
			t.Fatalf("%s: %v", knob, err)
		}
	}
	if err := (Policy{}).Validate(); err == nil {
		t.Fatal("the zero policy has no seat limit mode and must not validate")
	}
}

func TestPolicyPatchOverridesOnlyWhatItSets(t *testing.T) {
	t.Parallel()
	base := mustPreset(PresetCommerce)
	got := base.Apply(PolicyPatch{InactiveCanLogin: ptr(true), ManagersOfUsers: []Role{RoleAdmin, RoleOwner, RoleAdmin}})
	if !got.InactiveCanLogin || !got.ForbidDeactivatingTeamLeader || !slices.Equal(got.ManagersOfUsers, []Role{RoleOwner, RoleAdmin}) {
		t.Fatalf("patched: %+v", got)
	}
	if !base.Apply(PolicyPatch{}).Equal(base) {
		t.Fatal("an empty patch changed the policy")
	}
	if got := base.Apply(PolicyPatch{ManagersOfUsers: []Role{}}); len(got.ManagersOfUsers) != 0 {
		t.Fatalf("an explicit empty set must replace managers: %v", got.ManagersOfUsers)
	}
	var patch PolicyPatch
	if err := json.Unmarshal([]byte(`{"seat_limit":"ignore","deletion_allowed":false}`), &patch); err != nil {
		t.Fatal(err)
	}
	if p := base.Apply(patch); p.SeatLimit != SeatLimitIgnore || p.DeletionAllowed {
		t.Fatalf("json patch: %+v", p)
	}
}

func TestPolicyJSONUsesTheKnobNames(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(mustPreset(PresetStrict))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"inactive_can_login", "deactivate_revokes_sessions", "inactive_consumes_seat", "seat_limit",
		"deletion_allowed", "protect_sole_owner", "managers_of_users", "forbid_higher_role_target",
		"forbid_deactivating_team_leader", "handoff_on_deactivate", "deactivate_leaves_teams", "delete_unassigns",
		"customer_reactivation_on_purchase", "deactivate_after_days_without_login", "deactivate_cancels_subscriptions", "scim_delete"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("policy JSON lacks %q: %s", k, b)
		}
	}
	if len(m) != 16 {
		t.Fatalf("policy JSON has %d knobs: %s", len(m), b)
	}
}

func TestCapabilities(t *testing.T) {
	t.Parallel()
	strict, fs := mustPreset(PresetStrict), mustPreset(PresetFieldService)
	cases := []struct {
		p    Policy
		k    Kind
		st   Status
		want Capabilities
	}{
		{strict, KindMember, StatusActive, Capabilities{true, true, true}},
		{strict, KindMember, StatusInvited, Capabilities{false, false, true}},
		{strict, KindMember, StatusInactive, Capabilities{false, false, false}},
		{fs, KindMember, StatusInactive, Capabilities{true, false, true}},
		{fs, KindMember, StatusBlocked, Capabilities{false, false, true}},
		{strict, KindMember, StatusDeleted, Capabilities{false, false, false}},
		{fs, KindCustomer, StatusActive, Capabilities{true, false, false}},
	}
	for _, c := range cases {
		if got := c.p.Capabilities(c.k, c.st); got != c.want {
			t.Fatalf("%s %s: %+v, want %+v", c.k, c.st, got, c.want)
		}
	}
}

func TestErrorsCarryACodeAndAKind(t *testing.T) {
	t.Parallel()
	err := error(NewError(CodeSoleOwner, "the only active owner cannot be %s", "deactivated"))
	wrapped := errors.Join(errors.New("context"), err)
	var de *Error
	if !errors.As(wrapped, &de) || de.Code != CodeSoleOwner || de.Kind() != Conflict {
		t.Fatalf("errors.As: %v", de)
	}
	if CodeOf(wrapped) != CodeSoleOwner || CodeOf(nil) != "" || CodeOf(errors.New("boom")) != CodeInternal {
		t.Fatal("CodeOf")
	}
	kinds := map[Code]ErrorKind{
		CodeInvalid: InvalidInput, CodeUnauthenticated: Unauthenticated, CodeInvalidCredentials: Unauthenticated,
		CodeForbidden: Forbidden, CodeHigherRole: Forbidden, CodeLoginForbidden: Forbidden, CodeNotFound: NotFound,
		CodeSoleOwner: Conflict, CodeSeatLimit: Conflict, CodeTeamLeader: Conflict, CodeDeletionDisabled: Conflict,
		CodeUserDeleted: Conflict, CodeInvalidTransition: Conflict, CodeNotAssignable: Conflict, CodeEmailTaken: Conflict,
		CodeEmailBlocked: Conflict, CodeVersionMismatch: PreconditionFailed, CodeIdempotencyKeyReused: Unprocessable,
		CodeProjectionLagging: Timeout, CodeRateLimited: TooManyRequests, CodeUnavailable: Unavailable,
		CodeOutcomeUnknown: Unavailable, CodeProjectionFailed: Unavailable, CodeInternal: Internal,
	}
	for code, kind := range kinds {
		if code.Kind() != kind {
			t.Fatalf("%s is %s, want %s", code, code.Kind(), kind)
		}
	}
	if de.Error() != "sole_owner: the only active owner cannot be deactivated" {
		t.Fatalf("message %q", de.Error())
	}
}

// A policy recorded before scim_delete existed reads with its default, and
// the other knobs added since read as off.
func TestAPolicyRecordedBeforeAKnobExistedReadsWithItsDefault(t *testing.T) {
	t.Parallel()
	var p Policy
	if err := json.Unmarshal([]byte(`{"seat_limit":"enforce","handoff_on_deactivate":"keep","managers_of_users":["owner"]}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.ScimDelete != ScimDeleteDeactivate || p.DeactivateAfterDaysWithoutLogin != 0 || p.DeactivateCancelsSubscriptions {
		t.Fatalf("read %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}
