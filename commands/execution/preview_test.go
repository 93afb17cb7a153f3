package execution_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/domain/domaintest"
)

// carry runs cmd through the engine as a use case would, dry or not.
func carry(p *process, tenant domain.TenantID, cmd domain.Command, dry bool) (execution.Result, error) {
	e := execution.Envelope{Tenant: tenant, DryRun: dry}
	run := p.engine.Begin(ctx, "property", e, nil)
	run.Execute(ctx, cmd, execution.Shown{User: userOf(cmd), Tenant: true})
	return run.End(ctx)
}

// userOf is the user a drawn command is about, for the result to show.
func userOf(cmd domain.Command) domain.UserID {
	v := reflect.ValueOf(cmd)
	if f := v.FieldByName("User"); f.IsValid() && f.Kind() == reflect.String {
		return domain.UserID(f.String())
	}
	return ""
}

// Over random histories on every preset, a dry run of each command tells
// what the real command, carried out right after it, does: the same
// refusal, or the same events in the same order (compared with those read
// back from the stream), the same consequences and the same views — and the
// dry run stores nothing.
func TestADryRunReportsTheEventsTheRealCommandThenAppends(t *testing.T) {
	f := newFixture(t)
	p := f.handlers()
	for i, preset := range domain.PresetNames() {
		tenant := domain.TenantID("property-" + preset)
		createTenant(t, p, tenant, preset, 20)
		for u := range 10 { // most drawn commands then find their user
			invite(t, p, tenant, domain.UserID(fmt.Sprintf("u-%d", u)), []domain.Role{domain.RoleAdmin, domain.RoleManager, domain.RoleMember}[u%3], u%4 != 3)
		}
		draw := domaintest.NewDraw(uint64(i+1), 12)
		changed := 0
		for n := range 300 {
			cmd := draw.Command()
			what := fmt.Sprintf("%s, command %d (%T)", preset, n, cmd)
			before := f.streamLength(tenant)
			dry, dryErr := carry(p, tenant, cmd, true)
			if after := f.streamLength(tenant); after != before {
				t.Fatalf("%s: the dry run stored %d events", what, after-before)
			}
			real, realErr := carry(p, tenant, cmd, false)
			if codeOf(dryErr) != codeOf(realErr) || fmt.Sprint(dryErr) != fmt.Sprint(realErr) {
				t.Fatalf("%s: the dry run answered %v, the real command %v", what, dryErr, realErr)
			}
			if realErr != nil {
				continue
			}
			stored := f.storedEvents(tenant, before)
			if !reflect.DeepEqual(dry.Previewed(), stored) && (len(stored) > 0 || len(dry.Previewed()) > 0) {
				t.Fatalf("%s: the dry run decided %+v, the real command stored %+v", what, dry.Previewed(), stored)
			}
			if !dry.DryRun || real.DryRun {
				t.Fatalf("%s: DryRun is %v for the dry run, %v for the real command", what, dry.DryRun, real.DryRun)
			}
			if !reflect.DeepEqual(comparableResult(dry), comparableResult(real)) {
				t.Fatalf("%s: the dry run answered\n%+v\nthe real command\n%+v", what, comparableResult(dry), comparableResult(real))
			}
			if real.Changed {
				changed++
			}
		}
		if changed < 50 {
			t.Errorf("%s: only %d of 300 commands changed anything: the history is too thin to prove much", preset, changed)
		}
	}
}

// comparableResult is what a dry run and the real command after it must
// agree on: all but where and when the events landed.
func comparableResult(r execution.Result) execution.Result {
	zero := execution.Result{}
	r.Position, r.First, r.At, r.DryRun, r.SessionChecked = zero.Position, 0, zero.At, false, false
	return r.WithoutPreviewed()
}

// storedEvents are the tenant's events after version, decoded.
func (f *fixture) storedEvents(tenant domain.TenantID, after int) []domain.Event {
	f.t.Helper()
	recs, err := f.store.ReadStream(ctx, domain.TenantStream(tenant), int64(after), 1_000_000)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []domain.Event
	for _, rec := range recs {
		e, err := domain.DecodeEvent(rec.Type, rec.SchemaVersion, rec.Payload)
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}
