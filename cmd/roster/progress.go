package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/rosterhq/roster/infra/projectionfeed"
	"github.com/rosterhq/roster/readapi"
)

// Progress is read from the database (the rebuild may run in another
// process) twice a second; a bar is redrawn each time, plain lines (for logs
// and pipes) come every plainEvery.
const (
	progressPoll = 500 * time.Millisecond
	plainEvery   = 5 * time.Second
)

// progressView shows how far the rebuilds are: events done of the total.
type progressView interface {
	show(done, total int64)
	finish()
}

// watchRebuilds shows the named read models' rebuilds until none is
// pending, and returns their final states; or ctx's error.
func watchRebuilds(ctx context.Context, lag *projectionfeed.Lag, names []string, out *os.File) ([]readapi.ProjectionState, error) {
	view := newProgressView(out, "rebuilding", "events")
	defer view.finish()
	ticker := time.NewTicker(progressPoll)
	defer ticker.Stop()
	for {
		states, err := rebuildStates(ctx, lag, names)
		if err != nil {
			return nil, err
		}
		done, total, pending := sumProgress(states)
		view.show(done, total)
		if !pending {
			return states, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ticker.C:
		}
	}
}

// newProgressView picks a bar for a terminal, plain lines otherwise; doing
// says what is done ("rebuilding"), of units ("events").
func newProgressView(out *os.File, doing, units string) progressView {
	if term.IsTerminal(int(out.Fd())) {
		return &barView{bar: progressbar.NewOptions64(-1, progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription(doing), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(units), progressbar.OptionSetPredictTime(true), progressbar.OptionFullWidth(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }))}
	}
	return &plainView{out: out, started: time.Now(), doing: doing, units: units}
}

// rebuildStates reads the named read models' states.
func rebuildStates(ctx context.Context, lag *projectionfeed.Lag, names []string) ([]readapi.ProjectionState, error) {
	all, err := lag.ProjectionStates(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(s readapi.ProjectionState) bool { return !slices.Contains(names, s.Name) || s.Rebuild == nil }), nil
}

// sumProgress adds up the rebuilds' events; a finished one counts as whole.
func sumProgress(states []readapi.ProjectionState) (done, total int64, pending bool) {
	for _, s := range states {
		r := s.Rebuild
		if r.State == "done" || r.State == "failed" {
			done, total = done+max(r.EventsDone, r.EventsTotal), total+max(r.EventsDone, r.EventsTotal)
			continue
		}
		done, total, pending = done+r.EventsDone, total+r.EventsTotal, true
	}
	return done, total, pending
}

// barView draws a progress bar: events, events/s and ETA.
type barView struct{ bar *progressbar.ProgressBar }

func (v *barView) show(done, total int64) {
	if total > 0 {
		v.bar.ChangeMax64(total)
	}
	_ = v.bar.Set64(done)
}

func (v *barView) finish() { _ = v.bar.Finish() }

// plainView prints a line of progress at most every plainEvery.
type plainView struct {
	out          io.Writer
	doing, units string
	started      time.Time
	lastDone     int64
	lastAt       time.Time
}

func (v *plainView) show(done, total int64) {
	now := time.Now()
	if !v.lastAt.IsZero() && now.Sub(v.lastAt) < plainEvery {
		return
	}
	rate := 0.0
	if !v.lastAt.IsZero() && now.After(v.lastAt) {
		rate = float64(done-v.lastDone) / now.Sub(v.lastAt).Seconds()
	}
	line := fmt.Sprintf("%s: %d of %d %s", v.doing, done, total, v.units)
	if total > 0 {
		line += fmt.Sprintf(" (%.1f%%)", 100*float64(done)/float64(total))
	}
	if rate > 0 {
		eta := time.Duration(float64(total-done) / rate * float64(time.Second))
		line += fmt.Sprintf(", %.0f %s/s, ETA %s", rate, v.units, eta.Round(time.Second))
	}
	fmt.Fprintln(v.out, line)
	v.lastDone, v.lastAt = done, now
}

func (v *plainView) finish() {
	fmt.Fprintf(v.out, "%s: done in %s\n", v.doing, time.Since(v.started).Round(time.Millisecond))
}
