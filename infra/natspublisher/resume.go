package natspublisher

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/projections/publicevents"
)

// resumePoint makes sure of the stream and returns where publishing to it
// resumes (see resumeAfter).
func (p *Publisher) resumePoint(ctx context.Context, js nats.JetStreamContext) (eventstore.Position, error) {
	if err := ensureStream(js, p.opts.Stream, p.opts.DuplicateWindow); err != nil {
		return eventstore.Position{}, err
	}
	checkpoint, err := loadCheckpoint(ctx, p.pool, p.opts.Stream)
	if err != nil {
		return checkpoint, err
	}
	return resumeAfter(ctx, p.pool, js, p.opts.Stream, checkpoint)
}

// resumeAfter is where publishing to stream resumes: after the stored
// checkpoint, or after the stream's last message when that is later and is
// a complete row of this log (its Roster-Position and Nats-Msg-Id name one).
// Every row before that one is then in the stream too, each having been
// acknowledged before the next was sent; so a crash between the
// acknowledgements and the checkpoint publishes nothing again, however
// long the restart took, and the duplicate window is only a second line.
// A last message of anything else (another deployment's, a stream that was
// purged) is ignored: nothing is ever skipped on its word.
func resumeAfter(ctx context.Context, pool *pgxpool.Pool, js nats.JetStreamContext, stream string, checkpoint eventstore.Position) (eventstore.Position, error) {
	info, err := js.StreamInfo(stream)
	if err != nil {
		return checkpoint, fmt.Errorf("natspublisher: look up stream %s: %w", stream, err)
	}
	if info.State.Msgs == 0 {
		return checkpoint, nil
	}
	last, err := js.GetMsg(stream, info.State.LastSeq)
	if errors.Is(err, nats.ErrMsgNotFound) {
		return checkpoint, nil
	}
	if err != nil {
		return checkpoint, fmt.Errorf("natspublisher: read the last message of %s: %w", stream, err)
	}
	at, err := eventstore.ParsePosition(last.Header.Get(PositionHeader))
	if err != nil || at.Compare(checkpoint) <= 0 {
		return checkpoint, nil
	}
	var ours bool
	err = pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+publicevents.Table+`
WHERE position_commit = $1::numeric AND position_prepare = $2::numeric AND event_id = $3 AND remaining = 0)`,
		at.Commit, at.Prepare, last.Header.Get(nats.MsgIdHdr)).Scan(&ours)
	if err != nil {
		return checkpoint, fmt.Errorf("natspublisher: look up the last message of %s: %w", stream, err)
	}
	if !ours {
		return checkpoint, nil
	}
	return at, storeCheckpoint(ctx, pool, stream, at)
}
