package publicevents

import (
	"slices"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// tenantFacts is what the teller knows of one tenant: its policy and the
// facts of the users a batch concerns (absent: not loaded or not existing).
type tenantFacts struct {
	policy        domain.Policy
	users         map[domain.UserID]*userFacts
	policyChanged bool
	changed       map[domain.UserID]bool
	// stored are the users whose facts have a row already (loaded by
	// Prepare): the others' rows are new, and go in by COPY.
	stored map[domain.UserID]bool
	// open is the command being told when the batch ends before its last
	// event, loaded from its row (stored) or begun in this batch.
	open *draft
}

// teller tells a batch's commands as public events. It is pure: what it
// knows before the batch is given (the facts and open drafts Prepare
// loaded), and what it tells is in its fields after.
type teller struct {
	tenants map[domain.TenantID]*tenantFacts
	// touched are the drafts the batch began or continued, in feed order:
	// each is inserted, updated or deleted (stored says which).
	touched []*draft
	writes  map[*draft]bool // the drafts in touched
	stored  map[*draft]bool
}

func newTeller() *teller {
	return &teller{tenants: map[domain.TenantID]*tenantFacts{}, writes: map[*draft]bool{}, stored: map[*draft]bool{}}
}

// tenant is t's facts of tenant id, created empty.
func (t *teller) tenant(id domain.TenantID) *tenantFacts {
	f := t.tenants[id]
	if f == nil {
		f = &tenantFacts{users: map[domain.UserID]*userFacts{}, changed: map[domain.UserID]bool{}, stored: map[domain.UserID]bool{}}
		t.tenants[id] = f
	}
	return f
}

// tell takes the next event of the feed.
func (t *teller) tell(e projections.Event) {
	f := t.tenant(e.Tenant)
	part := domain.Part{Index: 0, Of: 1} // an event stored before parts is its own command
	if e.Meta.Part != nil {
		part = *e.Meta.Part
	}
	d := f.open
	if d != nil && part.Index == 0 {
		// A command whose events stopped short, which atomic appends never
		// leave (a foreign history might): told as far as it went, and
		// written with the batch (it may have been loaded from its row), so
		// that an open row never stays before complete ones.
		d.Remaining = 0
		d.finish(f.users, f.policy)
		t.touch(d)
		d = nil
	}
	if d == nil {
		d = &draft{Tenant: e.Tenant, Position: e.Position, EventID: e.ID, Version: e.Version, At: e.OccurredAt}
		f.open = d
	}
	t.touch(d)
	if d.Before == nil { // a draft read back from JSON with none
		d.Before = map[domain.UserID]userFacts{}
	}
	for _, id := range domain.Subjects(e.Data) {
		if _, seen := d.Before[id]; seen || slices.Contains(d.Users, id) {
			continue
		}
		d.Users = append(d.Users, id)
		if now := f.users[id]; now != nil {
			d.Before[id] = *now
		}
	}
	if typ, ok := typeOf(e.Data); ok && d.Type == "" {
		d.name(typ, e.Data)
		actor := e.Meta.Actor.ID()
		if !e.Meta.Actor.Operator {
			d.Data.Actor = &actor
		}
		d.Data.Reason = e.Meta.Reason
	}
	if c, ok := domain.EventConsequence(e.Data); ok {
		d.Told = append(d.Told, c)
	}
	f.apply(e.Data)
	d.Remaining = part.Of - part.Index - 1
	if d.Remaining <= 0 {
		d.Remaining = 0
		d.finish(f.users, f.policy)
		f.open = nil
	}
}

// touch notes that the batch writes d, once.
func (t *teller) touch(d *draft) {
	if !t.writes[d] {
		t.writes[d] = true
		t.touched = append(t.touched, d)
	}
}

// apply moves the tenant's facts by e.
func (f *tenantFacts) apply(e domain.Event) {
	switch e := e.(type) {
	case domain.TenantCreated:
		f.policy, f.policyChanged = e.Policy, true
	case domain.TenantPolicyChanged:
		f.policy, f.policyChanged = e.Policy, true
	case domain.UserInvited:
		f.users[e.User] = &userFacts{Kind: e.Kind, Status: domain.StatusInvited, Role: e.Role}
		f.changed[e.User] = true
	default:
		for _, id := range domain.Subjects(e) {
			if u := f.users[id]; u != nil {
				u.apply(e)
				f.changed[id] = true
			}
		}
	}
}
