package domain

// Authorization lives in the domain because who may do what depends on
// the tenant's policy (managers_of_users, forbid_higher_role_target).

// acting is an Actor resolved against the state: a user (u), a SCIM
// connection (conn), or the operator (neither).
type acting struct {
	id   UserID
	u    *user
	conn *scimConnection
}

// operator reports whether the actor is the operator, who bypasses role
// checks (never the invariants).
func (a acting) operator() bool { return a.u == nil && a.conn == nil }

// role is the rank the actor acts with. A SCIM connection is created by an
// owner and acts with an owner's rank (an identity provider deprovisions
// anyone), except that it grants owner only when its mapping says so.
func (a acting) role() Role {
	if a.conn != nil {
		return RoleOwner
	}
	return a.u.role
}

// manages reports whether the actor may manage users: a SCIM connection
// exists for nothing else.
func (a acting) manages(p Policy) bool { return a.conn != nil || p.Manages(a.u.role) }

// resolveActor checks that the tenant exists and that a non-operator actor is
// one of its users who may log in now; a session of anyone else is as good as
// a revoked token, hence unauthenticated.
func (s *Tenant) resolveActor(a Actor) (acting, error) {
	if !s.Exists() {
		return acting{}, errNotFound("the tenant does not exist")
	}
	if a.Operator {
		return acting{}, nil
	}
	if a.Connection != "" {
		c := s.connections[a.Connection]
		if c == nil || c.revoked {
			return acting{}, NewError(CodeUnauthenticated, "the SCIM connection does not exist or was revoked")
		}
		return acting{conn: c}, nil
	}
	u := s.users[a.User]
	if a.User == "" || u == nil || !s.policy.CanLogin(u.status) {
		return acting{}, NewError(CodeUnauthenticated, "the acting user may not act in this tenant")
	}
	return acting{id: a.User, u: u}, nil
}

// requireManager resolves an actor whose role is in managers_of_users.
func (s *Tenant) requireManager(a Actor) (acting, error) {
	act, err := s.resolveActor(a)
	if err == nil && !act.operator() && !act.manages(s.policy) {
		err = errForbidden("your role may not manage users")
	}
	return act, err
}

// requireSelfOrManager resolves an actor acting on themselves or managing users.
func (s *Tenant) requireSelfOrManager(a Actor, target UserID) (acting, error) {
	act, err := s.resolveActor(a)
	if err == nil && !act.operator() && act.id != target && !act.manages(s.policy) {
		err = errForbidden("your role may only do this for yourself")
	}
	return act, err
}

// requireOwner resolves an actor who is an owner; tenant settings are theirs.
func (s *Tenant) requireOwner(a Actor) (acting, error) {
	act, err := s.resolveActor(a)
	if err == nil && !act.operator() && (act.conn != nil || act.u.role != RoleOwner) {
		err = errForbidden("only an owner may change tenant settings")
	}
	return act, err
}

// requireStaff resolves an actor who is staff, since customers handle no work.
func (s *Tenant) requireStaff(a Actor) (acting, error) {
	act, err := s.resolveActor(a)
	if err == nil && !act.operator() && act.conn == nil && act.u.kind != KindMember {
		err = errForbidden("customers may not assign work")
	}
	return act, err
}

// checkWorkMove decides who may move work from one holder to another (""
// is nobody), as the seeds' inboxes and schedulers do: the operator and
// managers of users (the roles managers_of_users names) move any work;
// other staff may take work nobody holds and hand back their own — keeping
// what they hold, or filing work nobody holds, included — and nothing else:
// not another's work, and not work for another.
func (s *Tenant) checkWorkMove(act acting, from, to UserID) error {
	if act.operator() || act.manages(s.policy) {
		return nil
	}
	mine := func(id UserID) bool { return id == "" || id == act.id }
	if !mine(from) {
		return errForbidden("this work is assigned to someone else; only a manager of users may move it")
	}
	if !mine(to) {
		return errForbidden("you may take work or hand your own back; only a manager of users assigns work to others")
	}
	return nil
}

// checkOutranked refuses, under forbid_higher_role_target, to let an actor
// touch a user ranked above them.
func (s *Tenant) checkOutranked(act acting, target *user) error {
	if act.operator() || !s.policy.ForbidHigherRoleTarget || !target.role.Outranks(act.role()) {
		return nil
	}
	return NewError(CodeHigherRole, "you cannot change a user whose role (%s) ranks above yours (%s)", target.role, act.role())
}

// checkGrant refuses to let a non-owner grant owner (always), or anyone grant
// a role above their own (under forbid_higher_role_target).
func (s *Tenant) checkGrant(act acting, r Role) error {
	if act.operator() {
		return nil
	}
	if r == RoleOwner && act.conn != nil && !act.conn.grantsOwner {
		return NewError(CodeHigherRole, "this SCIM connection may not grant the owner role: its group-to-role mapping does not name owner")
	}
	if r == RoleOwner && act.role() != RoleOwner {
		return NewError(CodeHigherRole, "only an owner can grant the owner role")
	}
	if s.policy.ForbidHigherRoleTarget && r.Outranks(act.role()) {
		return NewError(CodeHigherRole, "you cannot grant a role (%s) above your own (%s)", r, act.role())
	}
	return nil
}
