package pause_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rosterhq/roster/commands/pause"
)

// A pause ends with its context, whatever is left of it, and says so.
func TestAPauseEndsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := pause.For(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("For on an ended context: %v, want context.Canceled", err)
	}
	if err := pause.Until(ctx, make(chan struct{}), time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Until on an ended context: %v, want context.Canceled", err)
	}
}

// A pause ends when it is woken, and when its limit passes.
func TestAPauseEndsWhenWokenOrAtItsLimit(t *testing.T) {
	t.Parallel()
	woken := make(chan struct{})
	close(woken)
	if err := pause.Until(context.Background(), woken, time.Hour); err != nil {
		t.Fatalf("Until woken: %v", err)
	}
	const limit = 20 * time.Millisecond
	for name, wait := range map[string]func() error{
		"For":            func() error { return pause.For(context.Background(), limit) },
		"Until, unwoken": func() error { return pause.Until(context.Background(), nil, limit) },
	} {
		began := time.Now()
		if err := wait(); err != nil || time.Since(began) < limit {
			t.Errorf("%s %v: %v after %v, want nil after the limit", name, limit, err, time.Since(began))
		}
	}
}
