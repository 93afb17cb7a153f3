package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/commands"
	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
)

// seedTenant stores a tenant (strict preset) with users active members
// "u-0" … "u-<users-1>", deciding with the domain itself and appending in
// large batches — a realistic stream, written far faster than one command
// per user.
func seedTenant(ctx context.Context, store eventstore.Appender, emails commands.EmailIndexer, tenant domain.TenantID, users int) error {
	state := &domain.Tenant{}
	var batch []domain.Event
	decide := func(cmd domain.Command) error {
		events, err := domain.Decide(state, cmd)
		for _, e := range events {
			domain.Evolve(state, e)
		}
		batch = append(batch, events...)
		return err
	}
	op := domain.OperatorActor()
	owner := domain.OwnerAccount{User: "owner", PII: domain.PersonalData{Email: "owner@" + string(tenant) + ".test", Name: "Owner"}}
	owner.EmailIndex = emails.EmailIndex(owner.PII.Email)
	if err := decide(domain.CreateTenant{Actor: op, Tenant: tenant, Name: string(tenant), Seats: users + 10, Owner: owner}); err != nil {
		return err
	}
	for i := range users {
		id := domain.UserID(fmt.Sprintf("u-%d", i))
		email := fmt.Sprintf("user%d@%s.test", i, tenant)
		err := decide(domain.InviteUser{Actor: op, User: id, Role: domain.RoleMember, Activate: true, EmailIndex: emails.EmailIndex(email),
			PII: domain.PersonalData{Email: email, Name: fmt.Sprintf("User Number %d", i)}})
		if err != nil {
			return err
		}
		if len(batch) >= 2000 || i == users-1 {
			if err := appendBatch(ctx, store, tenant, state.Version()-int64(len(batch)), batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

func appendBatch(ctx context.Context, store eventstore.Appender, tenant domain.TenantID, after int64, events []domain.Event) error {
	meta, _ := json.Marshal(domain.Metadata{Tenant: tenant, Actor: domain.OperatorActor(), Reason: "seed"})
	out := make([]eventstore.NewEvent, len(events))
	for i, e := range events {
		payload, err := domain.EncodeEvent(e)
		if err != nil {
			return err
		}
		version, _ := domain.SchemaVersion(e.EventType())
		out[i] = eventstore.NewEvent{ID: uuid.NewString(), Type: e.EventType(), SchemaVersion: version,
			Payload: payload, Metadata: meta, OccurredAt: time.Now()}
	}
	_, err := store.Append(ctx, domain.TenantStream(tenant), eventstore.Exact(after), out)
	return err
}
