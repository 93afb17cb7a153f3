package execution_test

import (
	"testing"
	"time"

	"github.com/rosterhq/roster/domain"
)

func TestABatchIsDecidedInOrderAndAppendedAtOnce(t *testing.T) {
	f := newFixture(t)
	h := f.handlers()
	createTenant(t, h, "acme", domain.PresetHelpdesk, 10)
	invite(t, h, "acme", "ann", domain.RoleMember, false)
	before := f.streamLength("acme")
	results, errs := h.CarryOutTogether(ctx, env("acme"),
		domain.ActivateUser{Actor: op, User: "ann"},
		domain.ActivateUser{Actor: op, User: "ann"}, // already holds after the first
		domain.DeactivateUser{Actor: op, User: "owner", At: time.Now()},
		domain.DeactivateUser{Actor: op, User: "ann", At: time.Now()},
	)
	if errs[0] != nil || !results[0].Changed || errs[1] != nil || results[1].Changed {
		t.Fatalf("activate, activate again: %+v %v / %+v %v", results[0], errs[0], results[1], errs[1])
	}
	if codeOf(errs[2]) != domain.CodeSoleOwner {
		t.Fatalf("deactivating the sole owner in a batch: %v", errs[2])
	}
	if errs[3] != nil || !results[3].Changed {
		t.Fatalf("deactivate ann after activating her in the same batch: %+v %v", results[3], errs[3])
	}
	if results[0].Position != results[3].Position || results[3].Version != int64(f.streamLength("acme")) {
		t.Fatal("a batch's commands did not land in one append")
	}
	if got := f.streamLength("acme") - before; got != 3 {
		t.Fatalf("the batch appended %d events, want UserActivated, UserDeactivated, SessionsRevoked", got)
	}
}

// A batch decided on a cache that another process has made stale must not
// land: its append conflicts, the cache is reloaded and the batch decided
// again — here turning a permitted deactivation into sole_owner.
func TestABatchDecidedOnAStaleCacheIsDecidedAgain(t *testing.T) {
	f := newFixture(t)
	one, other := f.handlers(), f.handlers()
	createTenant(t, one, "acme", domain.PresetHelpdesk, 10)
	invite(t, one, "acme", "second", domain.RoleOwner, true)
	invite(t, one, "acme", "ann", domain.RoleMember, true) // one's cache is current here
	if _, err := other.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: "second"}); err != nil {
		t.Fatal(err)
	}
	_, errs := one.CarryOutTogether(ctx, env("acme"),
		domain.DeactivateUser{Actor: op, User: "ann", At: time.Now()},
		domain.DeactivateUser{Actor: op, User: "owner", At: time.Now()}, // fine in one's stale view: "second" looks active
	)
	if errs[0] != nil {
		t.Fatalf("deactivating ann: %v", errs[0])
	}
	if codeOf(errs[1]) != domain.CodeSoleOwner {
		t.Fatalf("deactivating the last active owner: %v, want sole_owner", errs[1])
	}
	if owners := f.replayed("acme").ActiveOwners(); owners != 1 {
		t.Fatalf("%d active owners", owners)
	}
}
