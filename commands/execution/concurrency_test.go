package execution_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/rosterhq/roster/commands/execution"
	"github.com/rosterhq/roster/domain"
)

// race runs n calls of fn at once (released together) and counts their
// outcomes by error code ("" for success).
func race(n int, fn func(i int) error) map[domain.Code]int {
	var wg sync.WaitGroup
	start := make(chan struct{})
	codes := make(chan domain.Code, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes <- codeOf(fn(i))
		}()
	}
	close(start)
	wg.Wait()
	close(codes)
	count := map[domain.Code]int{}
	for c := range codes {
		count[c]++
	}
	return count
}

// ownerAttack is one of the commands that would take an owner out.
func ownerAttack(h *process, i int) (execution.Result, error) {
	target := domain.UserID([]string{"owner", "second"}[i%2])
	e := env("acme")
	switch (i / 2) % 4 {
	case 0:
		return h.DeactivateUser.Handle(ctx, e, domain.DeactivateUser{Actor: op, User: target})
	case 1:
		return h.BlockUser.Handle(ctx, e, domain.BlockUser{Actor: op, User: target})
	case 2:
		return h.ChangeRole.Handle(ctx, e, domain.ChangeRole{Actor: op, User: target, Role: domain.RoleMember})
	default:
		return h.DeleteUser.Handle(ctx, e, domain.DeleteUser{Actor: op, User: target})
	}
}

// processes is how many command sides (as if separate processes) share the
// store in the concurrency tests: enough that batches decided on stale caches
// collide at append time, not only single commands.
const processes = 5

func startProcesses(f *fixture) []*process {
	hs := make([]*process, processes)
	for i := range hs {
		hs[i] = f.handlers()
	}
	return hs
}

// 50 simultaneous deactivations, blocks, demotions and deletions of a
// tenant's two owners, from several processes: one owner must always remain.
func TestTheLastActiveOwnerSurvives50ConflictingCommands(t *testing.T) {
	for round := range 20 {
		t.Run(fmt.Sprintf("round_%02d", round), func(t *testing.T) {
			f := newFixture(t)
			hs := startProcesses(f)
			createTenant(t, hs[0], "acme", domain.PresetHelpdesk, 10)
			invite(t, hs[0], "acme", "second", domain.RoleOwner, true)
			outcomes := race(50, func(i int) error {
				_, err := ownerAttack(hs[i%processes], i+round)
				return err
			})
			for code := range outcomes {
				switch code {
				case "", domain.CodeSoleOwner, domain.CodeUserDeleted, domain.CodeInvalidTransition:
				default:
					t.Errorf("unexpected outcome %q", code)
				}
			}
			if owners := f.replayed("acme").ActiveOwners(); owners < 1 || outcomes[""] == 0 {
				t.Fatalf("%d active owners left after %d successful commands", owners, outcomes[""])
			}
		})
	}
}

// 50 simultaneous reactivations, from several processes, of users of a
// tenant with 3 free seats: exactly 3 succeed.
func TestSeatsAreNeverOversoldUnderConcurrentReactivations(t *testing.T) {
	f := newFixture(t)
	hs := startProcesses(f)
	h := hs[0]
	createTenant(t, h, "acme", domain.PresetWorkManagement, 100) // inactive users free their seat
	for i := range 50 {
		id := domain.UserID(fmt.Sprintf("user-%02d", i))
		invite(t, h, "acme", id, domain.RoleMember, true)
		if _, err := h.DeactivateUser.Handle(ctx, env("acme"), domain.DeactivateUser{Actor: op, User: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.ChangeSeats.Handle(ctx, env("acme"), domain.ChangeSeats{Actor: op, Seats: 4}); err != nil { // owner + 3 free
		t.Fatal(err)
	}
	count := race(50, func(i int) error {
		id := domain.UserID(fmt.Sprintf("user-%02d", i))
		_, err := hs[i%processes].ReactivateUser.Handle(ctx, env("acme"), domain.ReactivateUser{Actor: op, User: id})
		return err
	})
	if count[""] != 3 || count[domain.CodeSeatLimit] != 47 {
		t.Fatalf("outcomes %v, want 3 successes and 47 seat_limit", count)
	}
	if purchased, used := f.replayed("acme").Seats(); used != purchased {
		t.Fatalf("%d of %d seats used", used, purchased)
	}
}
