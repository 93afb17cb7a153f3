package audit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/pgtest"
	"github.com/rosterhq/roster/projections"
	"github.com/rosterhq/roster/projections/audit"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The column order of the reducer's COPY rows.
const (
	argAction = 6
	argActor  = 7
	argTarget = 8
	argReason = 9
	argDetail = 10
	argHash   = 11
)

func reduce(t *testing.T, actor domain.Actor, reason string, d domain.Event) []any {
	t.Helper()
	e := projections.Event{Position: eventstore.Position{Commit: 7, Prepare: 7}, Tenant: "acme", ID: "e-1",
		Type: d.EventType(), OccurredAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		Meta: domain.Metadata{Tenant: "acme", Actor: actor, Reason: reason}, Data: d}
	got := audit.New().Prepared(nil, []projections.Event{e}).Reduce(e)
	if len(got) != 1 || got[0].Copy == nil || got[0].Copy.Table != "audit_v2" || len(got[0].Copy.Values) != 12 {
		t.Fatalf("%s → %+v, want one row of audit_v2 with 12 columns", d.EventType(), got)
	}
	return got[0].Copy.Values
}

func details(t *testing.T, args []any) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(args[argDetail].(string)), &m); err != nil {
		t.Fatalf("details %v: %v", args[argDetail], err)
	}
	return m
}

// mentions reports whether any argument is, or contains, s.
func mentions(args []any, s string) bool {
	for _, a := range args {
		if strings.Contains(fmt.Sprint(a), s) {
			return true
		}
	}
	return false
}

func TestAnInvitationIsAuditedWithoutAnyPersonalData(t *testing.T) {
	t.Parallel()
	args := reduce(t, domain.UserActor("zed"), "", domain.UserInvited{User: "bob", Role: domain.RoleMember, Kind: domain.KindMember,
		EmailIndex: "blind-index-of-bob", PII: domain.PersonalData{Email: "bob@acme.test", Name: "Bob Example", PasswordHash: "$argon2id$secret"}})
	if args[argAction] != "UserInvited" || args[argActor] != "zed" || args[argTarget] != "bob" || args[argReason] != nil {
		t.Fatalf("args %v", args)
	}
	for _, personal := range []string{"bob@acme.test", "Bob Example", "blind-index-of-bob", "$argon2id$secret", "pii", "email"} {
		if mentions(args, personal) {
			t.Errorf("the audit row carries %q: %v", personal, args)
		}
	}
	if d := details(t, args); d["role"] != "member" || d["kind"] != "member" {
		t.Errorf("details %v, want role and kind", d)
	}
}

func TestSecretsAndEmailIndexesNeverReachTheRow(t *testing.T) {
	t.Parallel()
	for _, d := range []domain.Event{
		domain.PasswordSet{User: "bob", PII: domain.PersonalData{PasswordHash: "$argon2id$secret"}},
		domain.CustomerEmailBlocked{User: "bob", EmailIndex: "blind-index-of-bob"},
		domain.CustomerEmailUnblocked{User: "bob", EmailIndex: "blind-index-of-bob"},
	} {
		args := reduce(t, domain.OperatorActor(), "", d)
		if mentions(args, "secret") || mentions(args, "blind-index") || args[argTarget] != "bob" || args[argDetail] != "{}" {
			t.Errorf("%s → %v", d.EventType(), args)
		}
	}
}

func TestTheOperatorHasNoActorIdAndTheCommandReasonIsKept(t *testing.T) {
	t.Parallel()
	args := reduce(t, domain.OperatorActor(), "left the company", domain.UserDeactivated{User: "amy"})
	if args[argActor] != nil || args[argTarget] != "amy" || args[argReason] != "left the company" || args[argDetail] != "{}" {
		t.Fatalf("args %v", args)
	}
}

func TestAConsequenceEventKeepsItsOwnReason(t *testing.T) {
	t.Parallel()
	args := reduce(t, domain.UserActor("zed"), "left the company",
		domain.SessionsRevoked{User: "amy", RevokedBefore: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Reason: domain.ReasonDeactivated})
	if args[argReason] != domain.ReasonDeactivated || details(t, args)["revoked_before"] != "2026-03-01T09:00:00Z" {
		t.Fatalf("args %v", args)
	}
}

func TestWorkAndTeamEventsHaveNoTargetButTheirIdsInDetails(t *testing.T) {
	t.Parallel()
	args := reduce(t, domain.UserActor("zed"), "", domain.OwnershipTransferred{From: "amy", To: "bob", Items: []domain.WorkItemID{"j1", "j2"}})
	if d := details(t, args); args[argTarget] != nil || d["from"] != "amy" || d["to"] != "bob" || fmt.Sprint(d["items"]) != "[j1 j2]" {
		t.Fatalf("OwnershipTransferred → %v", args)
	}
	args = reduce(t, domain.UserActor("zed"), "", domain.TeamDefined{Team: "red", Name: "Red"})
	if d := details(t, args); args[argTarget] != nil || d["team"] != "red" {
		t.Fatalf("TeamDefined → %v", args)
	}
	args = reduce(t, domain.UserActor("zed"), "", domain.RoleChanged{User: "amy", From: domain.RoleMember, To: domain.RoleAdmin})
	if d := details(t, args); args[argTarget] != "amy" || d["from"] != "member" || d["to"] != "admin" {
		t.Fatalf("RoleChanged → %v", args)
	}
}
