package audit

import (
	"context"
	"encoding/hex"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// Mismatch is the first place where a tenant's audit rows differ from the
// entries its events make: Field is "entry" for a missing or extra row,
// else the column that differs ("hash" when only the hash does). Expected
// and Found are rendered for people: ids, instants, reasons and details,
// quoted, null for SQL NULL — never personal data, which rows never hold.
type Mismatch struct {
	Position string // the feed position of the entry
	Field    string
	Expected string
	Found    string
}

// String describes the mismatch on one line.
func (m Mismatch) String() string {
	return fmt.Sprintf("position %s, %s: expected %s, found %s", m.Position, m.Field, m.Expected, m.Found)
}

// Verified summarises a trail that matches its events.
type Verified struct {
	Entries int                 // rows compared
	Head    Hash                // the hash of the last of them (Genesis for none)
	Upto    eventstore.Position // the audit projection's checkpoint: later events are not compared
}

// verifyDB is what Verify reads through: a pool or a connection.
type verifyDB interface {
	Querier
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Verify recomputes tenant's trail from events (the tenant's stream, in
// order, decoded as the projector sees it) up to p's checkpoint, and
// compares it row by row, chain included, with every row of the tenant in
// p's table; both sides are streamed. It returns the first mismatch, or nil
// and a summary; the error is for failures to read either side.
//
// db should be a repeatable-read transaction: the checkpoint and the rows
// must be one snapshot, or a batch committed in between shows as rows after
// the checkpoint, which no event accounts for.
func (p Projector) Verify(ctx context.Context, db verifyDB, tenant domain.TenantID, events iter.Seq2[projections.Event, error]) (Verified, *Mismatch, error) {
	checkpoint, err := projections.LoadCheckpoint(ctx, db, p.Table())
	if err != nil {
		return Verified{}, nil, fmt.Errorf("audit: verify: %w", err)
	}
	rows, err := db.Query(ctx, fmt.Sprintf(`SELECT position_commit, position_prepare, stream_version, event_id, at, action,
    actor_id, target_id, reason, details::text, hash FROM %s
WHERE tenant_id = $1 ORDER BY position_commit, position_prepare`, p.Table()), string(tenant))
	if err != nil {
		return Verified{}, nil, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	v := &verifier{rows: rows, head: Genesis(tenant), done: Verified{Head: Genesis(tenant), Upto: checkpoint.Position}}
	for e, err := range events {
		if err != nil {
			return Verified{}, nil, fmt.Errorf("audit: verify: %w", err)
		}
		if e.Position.Compare(checkpoint.Position) > 0 {
			break // not projected yet; nor is anything after it in the stream
		}
		if m, err := v.event(e); m != nil || err != nil {
			return Verified{}, m, err
		}
	}
	return v.finish()
}

// verifier walks the rows alongside the events.
type verifier struct {
	rows pgx.Rows
	head Hash // the expected chain's last hash
	done Verified
}

// event compares the row due for e, if e makes one.
func (v *verifier) event(e projections.Event) (*Mismatch, error) {
	want, ok := RecordOf(e)
	if !ok {
		return nil, nil
	}
	v.head = Chain(v.head, want)
	got, found, err := v.next()
	switch {
	case err != nil:
		return nil, err
	case !found || want.Position.Compare(got.position) < 0:
		return &Mismatch{Position: want.Position.String(), Field: "entry",
			Expected: fmt.Sprintf("an entry (%s, event %s)", want.Action, want.EventID), Found: "none"}, nil
	case want.Position.Compare(got.position) > 0:
		return extra(got), nil
	}
	if m := compare(want, v.head, got); m != nil {
		return m, nil
	}
	v.done.Entries++
	v.done.Head = v.head
	return nil, nil
}

// finish reports a row left after the last event, or the summary.
func (v *verifier) finish() (Verified, *Mismatch, error) {
	got, found, err := v.next()
	switch {
	case err != nil:
		return Verified{}, nil, err
	case found:
		return Verified{}, extra(got), nil
	}
	return v.done, nil, nil
}

func extra(got stored) *Mismatch {
	return &Mismatch{Position: got.position.String(), Field: "entry",
		Expected: "none (no event of the tenant is at this position)", Found: fmt.Sprintf("an entry (%s)", shorten(quoted(&got.action)))}
}

// stored is an audit row as Verify reads it.
type stored struct {
	position                     eventstore.Position
	version                      int64
	eventID, action              string
	at                           time.Time
	actor, target, reason, jsonb *string
	hash                         []byte
}

// next reads the next row; found is false after the last.
func (v *verifier) next() (got stored, found bool, err error) {
	if !v.rows.Next() {
		if err := v.rows.Err(); err != nil {
			return stored{}, false, fmt.Errorf("audit: verify: %w", err)
		}
		return stored{}, false, nil
	}
	err = v.rows.Scan(&got.position.Commit, &got.position.Prepare, &got.version, &got.eventID, &got.at, &got.action,
		&got.actor, &got.target, &got.reason, &got.jsonb, &got.hash)
	if err != nil {
		return stored{}, false, fmt.Errorf("audit: verify: %w", err)
	}
	return got, true, nil
}

// compare returns the first column of got that differs from want (whose
// chained hash is hash), in table order, the hash last.
func compare(want Record, hash Hash, got stored) *Mismatch {
	details := "unreadable JSON"
	if got.jsonb != nil {
		if canonical, err := recanonical([]byte(*got.jsonb)); err == nil {
			details = string(canonical)
		}
	}
	gotAt := got.at.UTC().Format(atLayout)
	for _, c := range [...]struct{ field, want, got string }{
		{"stream_version", strconv.FormatInt(want.Version, 10), strconv.FormatInt(got.version, 10)},
		{"event_id", quoted(&want.EventID), quoted(&got.eventID)},
		{"at", want.At.UTC().Format(atLayout), gotAt},
		{"action", quoted(&want.Action), quoted(&got.action)},
		{"actor_id", orNull(want.Actor), quoted(got.actor)},
		{"target_id", orNull(want.Target), quoted(got.target)},
		{"reason", orNull(want.Reason), quoted(got.reason)},
		{"details", string(want.Details), details},
		{"hash", hash.String(), hex.EncodeToString(got.hash)},
	} {
		if c.want != c.got {
			return &Mismatch{Position: want.Position.String(), Field: c.field, Expected: shorten(c.want), Found: shorten(c.got)}
		}
	}
	return nil
}

// quoted renders a nullable text column: null, or the value quoted.
func quoted(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

// orNull renders a record's optional field as quoted renders its column.
func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return quoted(&s)
}

// shorten cuts a rendered value for a report: a tampered row may hold anything.
func shorten(s string) string {
	const most = 120
	if r := []rune(s); len(r) > most {
		return string(r[:most]) + "…"
	}
	return s
}
