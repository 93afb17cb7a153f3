package writeapi

import (
	"context"
	"errors"

	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// errNoView is a result without the view its endpoint renders: a bug.
var errNoView = errors.New("writeapi: the command result has no view to render")

// outcome is what every write's reply adds to its resource: whether the
// command changed anything (or, dry, would), the position a read waits for
// to see it, and what it did (or would do).
type outcome struct {
	Changed      bool                    `json:"changed"`
	Position     string                  `json:"position"`
	DryRun       bool                    `json:"dry_run,omitempty"`
	Consequences []documents.Consequence `json:"consequences"`
}

func outcomeOf(res execution.Result) outcome {
	return outcome{Changed: res.Changed, Position: res.Position.String(), DryRun: res.DryRun,
		Consequences: documents.NewConsequences(res.Consequences)}
}

// The replies of the writes: the resource's members, then the outcome's
// (OpenAPI's UserWritten, TenantWritten, TeamWritten, WorkItemWritten).
type (
	userWritten struct {
		documents.User
		outcome
	}
	tenantWritten struct {
		documents.Tenant
		outcome
	}
	teamWritten struct {
		documents.Team
		outcome
	}
	workItemWritten struct {
		documents.WorkItem
		outcome
	}
)

// userDoc renders API.md's User (documents.NewUser): the write model's
// view, with the personal data and instants read back from the stream.
func (a *API) userDoc(ctx context.Context, tenant domain.TenantID, u domain.UserView, recent execution.Result) (documents.User, error) {
	p, err := a.Queries.Profile(ctx, tenant, u, recent)
	if err != nil {
		return documents.User{}, err
	}
	return documents.NewUser(tenant, u, p.PersonalData, p.CreatedAt, p.UpdatedAt), nil
}

// renderUser renders the result's user.
func (a *API) renderUser(ctx context.Context, tenant domain.TenantID, res execution.Result) (any, error) {
	if res.User == nil {
		return nil, errNoView
	}
	u, err := a.userDoc(ctx, tenant, *res.User, res)
	return userWritten{u, outcomeOf(res)}, err
}

// tenantDoc renders API.md's Tenant (documents.NewTenant).
func tenantDoc(t *domain.TenantView) documents.Tenant { return documents.NewTenant(*t) }

func renderTenant(_ context.Context, _ domain.TenantID, res execution.Result) (any, error) {
	if res.Tenant == nil {
		return nil, errNoView
	}
	return tenantWritten{tenantDoc(res.Tenant), outcomeOf(res)}, nil
}

// renderTeam renders API.md's Team.
func renderTeam(_ context.Context, _ domain.TenantID, res execution.Result) (any, error) {
	if res.Team == nil {
		return nil, errNoView
	}
	return teamWritten{documents.NewTeam(*res.Team), outcomeOf(res)}, nil
}

// renderWorkItem renders API.md's WorkItem; updated_at is the instant of the
// latest event that changed it.
func (a *API) renderWorkItem(ctx context.Context, tenant domain.TenantID, res execution.Result) (any, error) {
	if res.WorkItem == nil {
		return nil, errNoView
	}
	it := res.WorkItem
	at := res.At
	if res.First == 0 || at.IsZero() || it.LastAt < res.First {
		var err error
		if at, err = a.Queries.InstantAt(ctx, tenant, it.LastAt); err != nil {
			return nil, err
		}
	}
	return workItemWritten{documents.NewWorkItem(*it, at), outcomeOf(res)}, nil
}
