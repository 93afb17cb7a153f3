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
	if err := pause.For(context.Background(), time.Nanosecond); err != nil {
		t.Fatalf("For a nanosecond: %v", err)
	}
}
