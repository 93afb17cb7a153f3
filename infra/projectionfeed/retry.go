package projectionfeed

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// A retry re-applies a failed tenant's held events: those of its stream
// from the failure's resume version on, up to the live projector's
// checkpoint (the projector passed them, holding them back; the events
// after it reach the projector live once the failure is gone). It runs
// with the live projectors stopped, so the checkpoint stands still, and
// page by page, each page's statements and the failure's new resume
// version in one transaction: a crash resumes where the last page ended.
// Within one stream, feed order is stream order, so reading the stream
// applies the events in the order the live projector would have.

// requestedRetries returns the failures of live read models an operator
// asked to retry.
func (h *Host) requestedRetries(ctx context.Context) ([]projections.TenantFailure, error) {
	failures, err := projections.LoadFailures(ctx, h.cfg.Pool, "")
	if err != nil {
		return nil, err
	}
	var out []projections.TenantFailure
	for _, f := range failures {
		if _, live := h.models[f.Projection]; live && f.RetryRequested != nil {
			out = append(out, f)
		}
	}
	return out, nil
}

// retryAll carries out retries one after another; one that cannot go on
// (the database went away) stays requested and is taken up again.
func (h *Host) retryAll(ctx context.Context, retries []projections.TenantFailure) {
	for _, f := range retries {
		err := h.retry(ctx, h.models[f.Projection].Live, f)
		h.cfg.Status.FailuresChanged()
		if err != nil && ctx.Err() == nil {
			h.cfg.Logger.Warn("projections: the retry could not finish; it is taken up again",
				"projection", f.Projection, "tenant", f.Tenant, "error", err)
		}
	}
}

// retry re-applies f's held events to p, page by page, until none is left
// (f is cleared) or one fails again (f then names it).
func (h *Host) retry(ctx context.Context, p projections.Projector, f projections.TenantFailure) error {
	checkpoint, err := projections.LoadCheckpoint(ctx, h.cfg.Pool, p.Name())
	if err != nil {
		return err
	}
	for {
		events, done, err := h.heldPage(ctx, p, f, checkpoint.Position)
		if err != nil {
			return err
		}
		err = projections.ApplyHeld(ctx, h.cfg.Pool, p, f, events, done)
		if err != nil && h.ownFailure(ctx, err) {
			return h.narrowRetry(ctx, p, f, events, done)
		}
		if err != nil || done {
			if err == nil {
				h.cfg.Logger.Info("projections: the tenant's read model is live again", "projection", p.Name(), "tenant", f.Tenant)
			}
			return err
		}
		f.ResumeVersion = events[len(events)-1].Version + 1
	}
}

// heldPage reads the next page of f's held events, and whether they are
// the last: the page ends at p's checkpoint or at the stream's end.
func (h *Host) heldPage(ctx context.Context, p projections.Projector, f projections.TenantFailure, checkpoint eventstore.Position) ([]projections.Event, bool, error) {
	if h.cfg.Streams == nil {
		return nil, false, errors.New("projectionfeed: retries need a stream reader (HostConfig.Streams)")
	}
	records, err := h.cfg.Streams.ReadStream(ctx, domain.TenantStream(f.Tenant), f.ResumeVersion-1, historyPageSize)
	if err != nil {
		return nil, false, fmt.Errorf("projectionfeed: retry %s of %s: %w", p.Name(), f.Tenant, err)
	}
	held := len(records)
	for i, r := range records {
		if r.Position.Compare(checkpoint) > 0 {
			held = i
			break
		}
	}
	var handles func(string) bool
	if interested, ok := p.(projections.Interested); ok {
		handles = interested.Handles
	}
	return decodeAll(records[:held], handles), held < len(records) || len(records) < historyPageSize, nil
}

// narrowRetry applies a failed page's events one by one: those before the
// one that fails again are applied, and f then names that one.
func (h *Host) narrowRetry(ctx context.Context, p projections.Projector, f projections.TenantFailure, events []projections.Event, done bool) error {
	for i, e := range events {
		err := projections.ApplyHeld(ctx, h.cfg.Pool, p, f, events[i:i+1], done && i == len(events)-1)
		if err == nil {
			f.ResumeVersion = e.Version + 1
			continue
		}
		if !h.ownFailure(ctx, err) {
			return err
		}
		h.cfg.Logger.Error("projections: the retry stopped again on an event it cannot apply; the tenant's read model stays stopped",
			"projection", p.Name(), "tenant", f.Tenant, "position", e.Position.String(), "event_type", e.Type, "error", err)
		return projections.RecordRetryFailure(ctx, h.cfg.Pool, f, e, err)
	}
	return nil
}

// ownFailure reports whether err, from applying held events, is theirs:
// not the database's unreachability, the end of ctx, or a failure moved by
// someone else meanwhile.
func (h *Host) ownFailure(ctx context.Context, err error) bool {
	return ctx.Err() == nil && !unreachable(err) && !errors.Is(err, projections.ErrRetryMoved)
}
