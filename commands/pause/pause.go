// Package pause is the module's one context-aware sleep: every wait between
// attempts (a version conflict's back-off, a reconnection, a poll, a feed
// reader waiting for new events) ends early when its context does, so that
// no goroutine outlives the work it was started for.
//
// It sits under commands/ because the command engine uses it and may import
// nothing outside domain and commands (imports point inward); infra uses it
// too.
package pause

import (
	"context"
	"time"
)

// For waits for d, or until ctx ends, when it returns ctx.Err().
func For(ctx context.Context, d time.Duration) error { return Until(ctx, nil, d) }

// Until waits for woken to be closed (nil: never), for at most limit, or
// until ctx ends, when it returns ctx.Err().
func Until(ctx context.Context, woken <-chan struct{}, limit time.Duration) error {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-woken:
	case <-timer.C:
	}
	return nil
}
