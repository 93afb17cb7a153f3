package writeapi

import (
	"context"
	"errors"
	"time"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// errNoView is a result without the view its endpoint renders: a bug.
var errNoView = errors.New("writeapi: the command result has no view to render")

// userDoc renders API.md's User: the write model's view, with the personal
// data and instants read back from the stream.
func (a *API) userDoc(ctx context.Context, tenant domain.TenantID, u domain.UserView, recent execution.Result) (map[string]any, error) {
	p, err := a.Queries.Profile(ctx, tenant, u, recent)
	if err != nil {
		return nil, err
	}
	var email any = p.Email
	name := p.DisplayName()
	if p.Erased || u.Status == domain.StatusDeleted {
		email, name = nil, domain.DeletedUserName
	}
	return map[string]any{
		"id": u.ID, "tenant": tenant, "email": email, "name": name, "role": u.Role, "kind": u.Kind,
		"status": u.Status, "teams": nonNil(u.Teams), "leads": nonNil(u.Leads), "can_login": u.CanLogin,
		"assignable": u.Assignable, "consumes_seat": u.ConsumesSeat,
		"created_at": p.CreatedAt.UTC().Format(time.RFC3339Nano), "updated_at": p.UpdatedAt.UTC().Format(time.RFC3339Nano),
		"version": u.Version,
	}, nil
}

// renderUser renders the result's user.
func (a *API) renderUser(ctx context.Context, tenant domain.TenantID, res execution.Result) (map[string]any, error) {
	if res.User == nil {
		return nil, errNoView
	}
	return a.userDoc(ctx, tenant, *res.User, res)
}

// tenantDoc renders API.md's Tenant.
func tenantDoc(t *execution.TenantView) map[string]any {
	return map[string]any{"id": t.ID, "name": t.Name, "preset": t.Preset, "policy": t.Policy, "version": t.Version,
		"seats": map[string]int{"purchased": t.SeatsPurchased, "used": t.SeatsUsed, "available": max(0, t.SeatsPurchased-t.SeatsUsed)}}
}

func renderTenant(_ context.Context, _ domain.TenantID, res execution.Result) (map[string]any, error) {
	if res.Tenant == nil {
		return nil, errNoView
	}
	return tenantDoc(res.Tenant), nil
}

// renderTeam renders API.md's Team.
func renderTeam(_ context.Context, _ domain.TenantID, res execution.Result) (map[string]any, error) {
	if res.Team == nil {
		return nil, errNoView
	}
	t := res.Team
	return map[string]any{"id": t.ID, "name": t.Name, "leader": orNull(t.Leader), "members": nonNil(t.Members)}, nil
}

// renderWorkItem renders API.md's WorkItem; updated_at is the instant of the
// latest event that changed it.
func (a *API) renderWorkItem(ctx context.Context, tenant domain.TenantID, res execution.Result) (map[string]any, error) {
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
	return map[string]any{"id": it.ID, "kind": it.Kind, "assignee": orNull(it.Assignee),
		"updated_at": at.UTC().Format(time.RFC3339Nano)}, nil
}

// orNull is JSON null for an empty id.
func orNull[T ~string](id T) any {
	if id == "" {
		return nil
	}
	return id
}

// nonNil renders a nil list as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
