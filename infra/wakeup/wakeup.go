// Package wakeup is how feed readers wait for new events without sleeping
// blindly: a broadcast Signal fired by whoever learns of new events (a
// local commit, a NOTIFY), which a reader waits for with a limit
// (pause.Until).
package wakeup

import (
	"context"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Signal is a broadcast: every waiter holding the channel from Wait() is
// released by the next Fire(). The zero value is ready to use.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// Wait returns a channel closed by the next Fire. Take it before checking
// for work, so that no wake-up is lost in between.
func (s *Signal) Wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Fire releases every current waiter.
func (s *Signal) Fire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// Listen connects with cfg, LISTENs on channel and fires s once LISTEN has
// taken effect (events may have come before) and then on every notification
// whose payload ours does not claim (ours may be nil), until ctx ends (nil)
// or the connection fails (its error; the caller reconnects).
func Listen(ctx context.Context, cfg *pgx.ConnConfig, channel string, s *Signal, ours func(payload string) bool) error {
	return ListenAll(ctx, cfg, []string{channel}, s, ours)
}

// ListenAll is Listen on several channels over one connection.
func ListenAll(ctx context.Context, cfg *pgx.ConnConfig, channels []string, s *Signal, ours func(payload string) bool) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, channel := range channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
			return err
		}
	}
	s.Fire()
	for {
		n, err := conn.WaitForNotification(ctx)
		if errors.Is(err, context.Canceled) {
			return nil
		}
		if err != nil {
			return err
		}
		if ours == nil || !ours(n.Payload) {
			s.Fire()
		}
	}
}
