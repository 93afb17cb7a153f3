package domain

import "sort"

// The preset names. Each names the product family whose behaviour it
// reproduces; Strict is the default.
const (
	PresetStrict         = "strict"
	PresetFieldService   = "field-service"
	PresetAnalytics      = "analytics"
	PresetHelpdesk       = "helpdesk"
	PresetWorkManagement = "work-management"
	PresetCommerce       = "commerce"
)

// presets builds each preset as strict plus the knobs its product differs
// on, so that a knob a product is silent about takes the strict value.
var presets = map[string]func(p *Policy){
	PresetStrict: func(*Policy) {},
	// Deactivation only stops job assignment; blocking stops login; inactive
	// users still count on per-user plans, which bill rather than refuse.
	PresetFieldService: func(p *Policy) {
		p.InactiveCanLogin = true
		p.DeactivateRevokesSessions = false
		p.InactiveConsumesSeat = true
		p.SeatLimit = SeatLimitIgnore
	},
	// Users can only be deactivated, and only admins manage them.
	PresetAnalytics: func(p *Policy) {
		p.DeletionAllowed = false
	},
	// Assignments stay on deactivation and reactivation restores role and
	// teams; deleting keeps items pointing at "Deleted user".
	PresetHelpdesk: func(*Policy) {},
	// Deactivated users free their licence; reactivation needs a free one;
	// deletion removes the user from items.
	PresetWorkManagement: func(p *Policy) {
		p.DeleteUnassigns = true
	},
	// Higher roles and team leaders are protected; work goes to the team
	// leader; team membership is lost; customers' e-mails are blocklisted.
	PresetCommerce: func(p *Policy) {
		p.ForbidDeactivatingTeamLeader = true
		p.HandoffOnDeactivate = HandoffTeamLeader
		p.DeactivateLeavesTeams = true
		p.CustomerReactivationOnPurchase = true
		p.DeactivateCancelsSubscriptions = true
	},
}

// strictPolicy is the safest default: nobody inactive gets in, sessions die
// on deactivation, the last owner is protected, seats are enforced, and no
// data moves implicitly.
func strictPolicy() Policy {
	return Policy{
		InactiveCanLogin:               false,
		DeactivateRevokesSessions:      true,
		InactiveConsumesSeat:           false,
		SeatLimit:                      SeatLimitEnforce,
		DeletionAllowed:                true,
		ProtectSoleOwner:               true,
		ManagersOfUsers:                []Role{RoleOwner, RoleAdmin},
		ForbidHigherRoleTarget:         true,
		ForbidDeactivatingTeamLeader:   false,
		HandoffOnDeactivate:            HandoffKeep,
		DeactivateLeavesTeams:          false,
		DeleteUnassigns:                false,
		CustomerReactivationOnPurchase: false,
		// Off in every preset: automatic deactivation is each tenant's choice.
		DeactivateAfterDaysWithoutLogin: 0,
		DeactivateCancelsSubscriptions:  false,
		ScimDelete:                      ScimDeleteDeactivate,
	}
}

// PresetPolicy returns a fresh copy of the named preset's policy, or an
// invalid *Error for an unknown name.
func PresetPolicy(name string) (Policy, error) {
	tweak, ok := presets[name]
	if !ok {
		return Policy{}, errInvalidField("preset", "unknown preset %s", Quote(name))
	}
	p := strictPolicy()
	tweak(&p)
	return p.normalized(), nil
}

// PresetNames lists every preset name in lexical order.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
