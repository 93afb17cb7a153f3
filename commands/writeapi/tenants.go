package writeapi

import (
	"context"
	"net/http"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

type ownerBody struct {
	ID       domain.UserID `json:"id"`
	Email    string        `json:"email"`
	Name     string        `json:"name"`
	Password string        `json:"password"`
}

type createTenantBody struct {
	ID     domain.TenantID     `json:"id"`
	Name   string              `json:"name"`
	Preset string              `json:"preset"`
	Seats  int                 `json:"seats"`
	Policy *domain.PolicyPatch `json:"policy"`
	Owner  ownerBody           `json:"owner"`
}

// tenantCreated is the reply of POST /v1/tenants.
type tenantCreated struct {
	Tenant documents.Tenant `json:"tenant"`
	Owner  documents.User   `json:"owner"`
	outcome
}

// createTenant answers POST /v1/tenants (the domain lets only the operator).
func (a *API) createTenant(w http.ResponseWriter, r *http.Request) {
	render := func(ctx context.Context, tenant domain.TenantID, res execution.Result) (any, error) {
		if res.Tenant == nil || res.User == nil {
			return nil, errNoView
		}
		owner, err := a.userDoc(ctx, tenant, *res.User, res)
		return tenantCreated{Tenant: tenantDoc(res.Tenant), Owner: owner, outcome: outcomeOf(res)}, err
	}
	body, err := DecodeBody[createTenantBody](w, r)
	if err == nil {
		err = body.ID.Check("id") // before the envelope's check names it "tenant"
	}
	if err == nil {
		err = noIfMatch(r)
	}
	if err != nil {
		answerError(a.Log, w, r, err)
		return
	}
	env := envelope(r, body.ID, "") // the new tenant is named by the body, not the path
	in := commands.CreateTenant{Actor: principal(r).Actor(), Tenant: body.ID, Name: body.Name, Preset: body.Preset,
		Patch: body.Policy, Seats: body.Seats, Owner: commands.NewOwner(body.Owner)}
	run(a, w, r, a.Commands.CreateTenant, env, in, render, true)
}

type policyBody struct {
	Preset *string `json:"preset"`
	domain.PolicyPatch
}

// changePolicy answers PATCH /v1/tenants/{tenant}/policy.
func (a *API) changePolicy(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.ChangePolicy, renderTenant, false, func(p access.Principal, r *http.Request, b policyBody) (request[domain.ChangePolicy], error) {
		version, err := ifMatch(r)
		return request[domain.ChangePolicy]{in: domain.ChangePolicy{Actor: p.Actor(), IfVersion: version, Preset: b.Preset, Patch: b.PolicyPatch},
			versioned: true}, err
	})
}

type seatsBody struct {
	Seats *int `json:"seats"`
}

// changeSeats answers PUT /v1/tenants/{tenant}/seats.
func (a *API) changeSeats(w http.ResponseWriter, r *http.Request) {
	command(a, w, r, a.Commands.ChangeSeats, renderTenant, false, func(p access.Principal, r *http.Request, b seatsBody) (request[domain.ChangeSeats], error) {
		if b.Seats == nil {
			return request[domain.ChangeSeats]{}, domain.InvalidField("seats", "seats is required")
		}
		version, err := ifMatch(r)
		return request[domain.ChangeSeats]{in: domain.ChangeSeats{Actor: p.Actor(), IfVersion: version, Seats: *b.Seats}, versioned: true}, err
	})
}

type purchaseBody struct {
	Email string `json:"email"`
}

// purchaseReply is the reply of a purchase: the reactivated user, or null.
type purchaseReply struct {
	User *documents.User `json:"user"`
	outcome
}

// purchase answers POST /v1/tenants/{tenant}/purchases (Roster's addition
// to API.md, for customer_reactivation_on_purchase): the customer with that
// e-mail bought something; reactivate them if their deactivation allowed it.
// The reply is the reactivated user, or {"user": null} when nobody was.
func (a *API) purchase(w http.ResponseWriter, r *http.Request) {
	render := func(ctx context.Context, tenant domain.TenantID, res execution.Result) (any, error) {
		if res.User == nil {
			return purchaseReply{outcome: outcomeOf(res)}, nil
		}
		u, err := a.userDoc(ctx, tenant, *res.User, res)
		return purchaseReply{User: &u, outcome: outcomeOf(res)}, err
	}
	command(a, w, r, a.Commands.ReactivateOnPurchase, render, false, func(p access.Principal, _ *http.Request, b purchaseBody) (request[commands.ReactivateOnPurchase], error) {
		return request[commands.ReactivateOnPurchase]{in: commands.ReactivateOnPurchase{Actor: p.Actor(), Email: b.Email}}, nil
	})
}
