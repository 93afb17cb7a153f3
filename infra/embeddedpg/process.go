package embeddedpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// child is a postgres process started by us and reaped by its own goroutine.
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // result of Wait; read only after done is closed
}

// startChild starts cmd from a goroutine pinned to its OS thread. Pdeathsig
// fires when the thread that forked the child exits, not when the process
// does: an unpinned goroutine could fork from a thread the Go runtime later
// retires, killing a healthy server. The goroutine stays locked and blocked
// in Wait for the child's whole life and never unlocks, so its thread ends
// exactly when the child is reaped or our process dies.
func startChild(cmd *exec.Cmd) (*child, error) {
	c := &child{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.err = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// exited waits until the child is gone or ctx ends.
func (c *child) exited(ctx context.Context) bool {
	select {
	case <-c.done:
		return true
	default:
	}
	select {
	case <-c.done:
		return true
	case <-ctx.Done():
		return false
	}
}

// stop shuts the child down with escalating signals.
func (c *child) stop(ctx context.Context) error {
	signal := func(sig syscall.Signal) error {
		if err := c.cmd.Process.Signal(sig); !errors.Is(err, os.ErrProcessDone) {
			return err
		}
		return nil
	}
	return escalate(ctx, signal, c.exited)
}

// shutdownSteps mirror pg_ctl's "fast" then "immediate" modes, with SIGKILL
// as the last resort for a server that honours neither.
var shutdownSteps = []struct {
	sig  syscall.Signal
	wait time.Duration
}{
	{syscall.SIGINT, 20 * time.Second},
	{syscall.SIGQUIT, 5 * time.Second},
	{syscall.SIGKILL, 5 * time.Second},
}

// escalate sends each signal in turn until exited reports the process gone.
// The wait after SIGKILL ignores ctx: a caller that gives up early still
// gets the process killed and reaped rather than orphaned.
func escalate(ctx context.Context, signal func(syscall.Signal) error, exited func(context.Context) bool) error {
	for i, step := range shutdownSteps {
		if err := signal(step.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("send %v: %w", step.sig, err)
		}
		wctx := ctx
		if i == len(shutdownSteps)-1 {
			wctx = context.WithoutCancel(ctx)
		}
		wctx, cancel := context.WithTimeout(wctx, step.wait)
		gone := exited(wctx)
		cancel()
		if gone {
			return nil
		}
	}
	return errors.New("process still running after SIGKILL")
}

// pollUntil checks cond every interval until it holds or ctx ends.
func pollUntil(ctx context.Context, interval time.Duration, cond func() bool) bool {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return cond()
		case <-t.C:
		}
	}
}
