package tenants

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/domain"
)

// Tenant is a row of the read model.
type Tenant struct {
	ID             domain.TenantID
	Name           string
	Preset         string
	Policy         domain.Policy
	SeatsPurchased int
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Get returns one tenant; found is false when there is none.
func Get(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, id domain.TenantID) (t Tenant, found bool, err error) {
	var policy []byte
	err = q.QueryRow(ctx, `SELECT id, name, preset, policy, seats_purchased, version, created_at, updated_at
FROM `+Table+` WHERE id = $1`, string(id)).Scan(&t.ID, &t.Name, &t.Preset, &policy, &t.SeatsPurchased, &t.Version, &t.CreatedAt, &t.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Tenant{}, false, nil
	}
	if err == nil {
		err = json.Unmarshal(policy, &t.Policy)
	}
	if err != nil {
		return Tenant{}, false, fmt.Errorf("tenants: get: %w", err)
	}
	return t, true, nil
}
