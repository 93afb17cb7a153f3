package domain

import (
	"slices"
	"testing"
)

// One scenario per seed article (reference/seeds), each replaying what the
// article describes under the matching preset, through Decide and Evolve.

type world struct {
	t *testing.T
	s *Tenant
}

func newWorld(t *testing.T, preset string, seats int) *world {
	t.Helper()
	w := &world{t: t, s: &Tenant{}}
	w.do(CreateTenant{Actor: op, Tenant: "acme", Name: "Acme", Preset: preset, Seats: seats,
		Owner: OwnerAccount{User: ownerID, PII: personal(ownerID), EmailIndex: emailIdx(ownerID)}})
	return w
}

// do decides and applies a command that must succeed, returning its events.
func (w *world) do(cmd Command) []Event {
	w.t.Helper()
	evs, err := Decide(w.s, cmd)
	if err != nil {
		w.t.Fatalf("%#v refused: %v", cmd, err)
	}
	for _, e := range evs {
		w.s = Evolve(w.s, e)
	}
	checkCounters(w.t, w.s)
	return evs
}

func (w *world) refuse(cmd Command, code Code) {
	w.t.Helper()
	if evs, err := Decide(w.s, cmd); CodeOf(err) != code {
		w.t.Fatalf("%#v: got %v %v, want %s", cmd, evs, err, code)
	}
}

// hire invites an active user of kind member with the owner as actor.
func (w *world) hire(id UserID, role Role, teams ...TeamID) {
	w.t.Helper()
	w.do(InviteUser{Actor: by(ownerID), User: id, PII: personal(id), EmailIndex: emailIdx(id), Role: role,
		Teams: teams, Activate: true})
}

func (w *world) user(id UserID) UserView {
	w.t.Helper()
	v, ok := w.s.User(id)
	if !ok {
		w.t.Fatalf("no user %s", id)
	}
	return v
}

func (w *world) wantCaps(id UserID, want Capabilities) {
	w.t.Helper()
	if got := w.user(id).Capabilities; got != want {
		w.t.Fatalf("%s capabilities = %+v, want %+v", id, got, want)
	}
}

func (w *world) wantSeatsUsed(want int) {
	w.t.Helper()
	if _, used := w.s.Seats(); used != want {
		w.t.Fatalf("seats used = %d, want %d", used, want)
	}
}

func (w *world) wantAssignee(item WorkItemID, want UserID) {
	w.t.Helper()
	if it, _ := w.s.WorkItem(item); it.Assignee != want {
		w.t.Fatalf("%s assigned to %q, want %q", item, it.Assignee, want)
	}
}

func eventTypes(evs []Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.EventType()
	}
	return out
}

func (w *world) wantTypes(evs []Event, want ...string) {
	w.t.Helper()
	if got := eventTypes(evs); !slices.Equal(got, want) {
		w.t.Fatalf("events %v, want %v", got, want)
	}
}

func TestSeed000FieldServiceDeactivationOnlyStopsJobAssignment(t *testing.T) {
	t.Parallel()
	w := newWorld(t, PresetFieldService, 3)
	w.hire("disp", RoleAdmin)
	w.hire("tech", RoleMember)
	w.do(AssignWork{Actor: by("disp"), Item: "job-1", Kind: "job", Assignee: ptr(UserID("tech"))})

	// Deactivating changes the status only: no logout, no handoff.
	w.wantTypes(w.do(DeactivateUser{Actor: by("disp"), User: "tech", At: t0}), "UserDeactivated")
	w.wantCaps("tech", Capabilities{CanLogin: true, Assignable: false, ConsumesSeat: true})
	w.wantAssignee("job-1", "tech")
	w.refuse(AssignWork{Actor: by("disp"), Item: "job-2", Kind: "job", Assignee: ptr(UserID("tech"))}, CodeNotAssignable)
	w.wantSeatsUsed(3) // inactive users still count on per-user plans

	// Seats bill rather than refuse.
	w.hire("seasonal", RoleMember)
	w.wantSeatsUsed(4)

	// Blocking stops login, and old sessions with it.
	w.wantTypes(w.do(BlockUser{Actor: by("disp"), User: "tech", At: t0}), "UserBlocked", "SessionsRevoked")
	w.wantCaps("tech", Capabilities{CanLogin: false, Assignable: false, ConsumesSeat: true})
	w.do(UnblockUser{Actor: by("disp"), User: "tech"})
	if st := w.user("tech").Status; st != StatusInactive {
		t.Fatalf("unblocked into %s, want inactive", st)
	}

	// Returning to work makes them assignable again; deleting frees the seat.
	w.do(ActivateUser{Actor: by("disp"), User: "tech"})
	w.wantCaps("tech", Capabilities{CanLogin: true, Assignable: true, ConsumesSeat: true})
	w.do(DeleteUser{Actor: by("disp"), User: "seasonal"})
	w.wantSeatsUsed(3)
	w.wantCaps("seasonal", Capabilities{})
}

func TestSeed001AnalyticsOnlyAdminsDeactivateAndNothingIsDeleted(t *testing.T) {
	t.Parallel()
	w := newWorld(t, PresetAnalytics, 10)
	w.hire("adm", RoleAdmin)
	w.hire("mgr", RoleManager)
	w.hire("ana", RoleMember)

	// Only admins (and owners) manage users.
	w.refuse(DeactivateUser{Actor: by("mgr"), User: "ana", At: t0}, CodeForbidden)

	// An inactive user cannot log in at all.
	w.do(DeactivateUser{Actor: by("adm"), User: "ana", At: t0})
	w.wantCaps("ana", Capabilities{})
	if got := w.user("ana").SessionsRevokedBefore; !got.Equal(t0) {
		t.Fatalf("sessions revoked before %v, want %v", got, t0)
	}

	// Either way, at any time.
	w.do(ReactivateUser{Actor: by("adm"), User: "ana"})
	w.wantCaps("ana", Capabilities{CanLogin: true, Assignable: true, ConsumesSeat: true})

	// There is no deletion; restricting is done with the role instead.
	w.refuse(DeleteUser{Actor: by("adm"), User: "ana"}, CodeDeletionDisabled)
	w.refuse(DeleteUser{Actor: op, User: "ana"}, CodeDeletionDisabled)
	w.do(ChangeRole{Actor: by("adm"), User: "mgr", Role: RoleMember})
	if r := w.user("mgr").Role; r != RoleMember {
		t.Fatalf("role %s, want member", r)
	}
}

func TestSeed002HelpdeskProtectsTheSoleOwnerAndKeepsAssignments(t *testing.T) {
	t.Parallel()
	w := newWorld(t, PresetHelpdesk, 10)
	w.do(DefineTeam{Actor: by(ownerID), Team: "support", Name: "Support"})
	w.do(JoinTeam{Actor: by(ownerID), Team: "support", User: ownerID})
	w.hire("agent", RoleMember, "support")
	w.do(AssignWork{Actor: by("agent"), Item: "conv-1", Kind: "conversation", Assignee: ptr(UserID("agent"))})
	// An agent takes conversations and hands them back; an owner reassigns them.
	w.refuse(AssignWork{Actor: by("agent"), Item: "conv-1", Assignee: ptr(ownerID)}, CodeForbidden)
	w.do(AssignWork{Actor: by(ownerID), Item: "conv-1", Assignee: ptr(ownerID)})

	// The only owner cannot be deactivated, by anyone.
	w.refuse(DeactivateUser{Actor: by(ownerID), User: ownerID, At: t0}, CodeSoleOwner)
	w.refuse(DeactivateUser{Actor: op, User: ownerID, At: t0}, CodeSoleOwner)

	// With a second owner it works: logged out, conversations keep their assignee.
	w.hire("own2", RoleAdmin)
	w.do(ChangeRole{Actor: by(ownerID), User: "own2", Role: RoleOwner})
	evs := w.do(DeactivateUser{Actor: by("own2"), User: ownerID, At: t0})
	w.wantTypes(evs, "UserDeactivated", "SessionsRevoked")
	w.wantCaps(ownerID, Capabilities{})
	w.wantAssignee("conv-1", ownerID)

	// Reassigning is a separate, explicit step.
	w.do(TransferOwnership{Actor: by("own2"), From: ownerID, To: Unassigned, Reason: "offboarding"})
	w.wantAssignee("conv-1", "")

	// Reactivation restores role and team memberships.
	w.do(ReactivateUser{Actor: by("own2"), User: ownerID})
	v := w.user(ownerID)
	if v.Role != RoleOwner || !slices.Equal(v.Teams, []TeamID{"support"}) || !v.CanLogin {
		t.Fatalf("after reactivation %+v", v)
	}

	// Deleting keeps conversations pointing at the deleted user.
	w.do(AssignWork{Actor: by("agent"), Item: "conv-2", Kind: "conversation", Assignee: ptr(UserID("agent"))})
	w.wantTypes(w.do(DeleteUser{Actor: by("own2"), User: "agent"}), "TeamLeft", "UserDeleted")
	w.wantAssignee("conv-2", "agent")
}

func TestSeed003WorkManagementDeactivationFreesALicence(t *testing.T) {
	t.Parallel()
	w := newWorld(t, PresetWorkManagement, 3)
	w.hire("ann", RoleMember)
	w.hire("bob", RoleMember)
	w.do(AssignWork{Actor: by("ann"), Item: "task-1", Kind: "task", Assignee: ptr(UserID("ann"))})
	invite := func(id UserID) InviteUser {
		return InviteUser{Actor: by(ownerID), User: id, PII: personal(id), EmailIndex: emailIdx(id), Role: RoleMember, Activate: true}
	}
	w.refuse(invite("tmp"), CodeSeatLimit)

	// A deactivated user cannot log in, keeps their tasks, and frees a licence.
	w.do(DeactivateUser{Actor: by(ownerID), User: "ann", At: t0})
	w.wantCaps("ann", Capabilities{})
	w.wantAssignee("task-1", "ann")
	w.wantSeatsUsed(2)
	w.do(invite("tmp"))

	// With every licence in use again, reactivation is refused until one frees.
	w.refuse(ReactivateUser{Actor: by(ownerID), User: "ann"}, CodeSeatLimit)
	w.do(DeactivateUser{Actor: by(ownerID), User: "tmp", At: t0})
	w.do(ReactivateUser{Actor: by(ownerID), User: "ann"})

	// Deleting removes the user from the items they were assigned.
	w.wantTypes(w.do(DeleteUser{Actor: by(ownerID), User: "ann"}), "OwnershipTransferred", "UserDeleted")
	w.wantAssignee("task-1", "")

	// Customers are deactivated the same way and then cannot log in.
	w.do(InviteUser{Actor: by(ownerID), User: "cus", PII: personal("cus"), EmailIndex: emailIdx("cus"), Role: RoleMember, Kind: KindCustomer, Activate: true})
	w.do(DeactivateUser{Actor: by(ownerID), User: "cus", At: t0})
	w.wantCaps("cus", Capabilities{})
}

func TestSeed004CommerceProtectsLeadersAndBlocklistsCustomers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, PresetCommerce, 10)
	w.hire("adm", RoleAdmin)
	w.hire("lead", RoleMember)
	w.hire("sam", RoleMember)
	w.do(DefineTeam{Actor: by("adm"), Team: "sales", Name: "Sales", Leader: ptr(UserID("lead"))})
	w.do(JoinTeam{Actor: by("adm"), Team: "sales", User: "sam"})
	w.do(AssignWork{Actor: by("adm"), Item: "opp-1", Kind: "opportunity", Assignee: ptr(UserID("sam"))})

	// Not someone with a higher role; not a team leader while leading.
	w.refuse(DeactivateUser{Actor: by("adm"), User: ownerID, At: t0}, CodeHigherRole)
	w.refuse(DeactivateUser{Actor: by("adm"), User: "lead", At: t0}, CodeTeamLeader)

	// An employee: logged out, opportunities to the team leader, team lost.
	evs := w.do(DeactivateUser{Actor: by("adm"), User: "sam", At: t0})
	w.wantTypes(evs, "UserDeactivated", "SessionsRevoked", "OwnershipTransferred", "TeamLeft")
	w.wantAssignee("opp-1", "lead")
	w.do(ReactivateUser{Actor: by("adm"), User: "sam"})
	if v := w.user("sam"); len(v.Teams) != 0 || !v.CanLogin {
		t.Fatalf("reactivation must not restore teams: %+v", v)
	}

	// Once removed from the lead, the leader can be deactivated.
	w.do(AssignTeamLeader{Actor: by("adm"), Team: "sales"})
	w.do(DeactivateUser{Actor: by("adm"), User: "lead", At: t0})

	// A customer's e-mail is blocklisted unless reactivation on purchase is allowed.
	customerInvite := func(id UserID, idx string) InviteUser {
		return InviteUser{Actor: by("adm"), User: id, PII: personal(id), EmailIndex: idx, Role: RoleMember, Kind: KindCustomer, Activate: true}
	}
	w.do(customerInvite("cus", emailIdx("cus")))
	w.wantTypes(w.do(DeactivateUser{Actor: by("adm"), User: "cus", At: t0}),
		"UserDeactivated", "SessionsRevoked", "CustomerEmailBlocked")
	w.refuse(customerInvite("cus2", emailIdx("cus")), CodeEmailBlocked)
	w.refuse(ReactivateOnPurchase{Actor: op, EmailIndex: emailIdx("cus")}, CodeEmailBlocked)

	w.do(customerInvite("fan", emailIdx("fan")))
	w.do(DeactivateUser{Actor: by("adm"), User: "fan", At: t0, AllowReactivationOnPurchase: true})
	w.wantTypes(w.do(ReactivateOnPurchase{Actor: op, EmailIndex: emailIdx("fan")}), "UserReactivated")
	if v := w.user("fan"); v.Status != StatusActive {
		t.Fatalf("fan is %s after a purchase", v.Status)
	}

	// A manual reactivation lifts the blocklist.
	w.wantTypes(w.do(ReactivateUser{Actor: by("adm"), User: "cus"}), "UserReactivated", "CustomerEmailUnblocked")
	if w.s.EmailBlocked(emailIdx("cus")) {
		t.Fatal("blocklist not lifted")
	}
}
