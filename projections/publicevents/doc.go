// Package publicevents is the public event log: the lifecycle events
// Roster tells the outside world (the pull feed, webhooks, the NATS
// publisher), derived from the internal events by a projector on the same
// gap-free feed as every read model, with its own checkpoint.
//
// One command is told as one public event: its first event names it
// ("user.deactivated.v1") and the events it appended after that one (the
// sessions it revoked, the teams left, the work handed off, the e-mail
// blocklisted) are its consequences. Events carry where they stand among
// their command's events (domain.Metadata.Part), so the projector knows a
// command is complete even when the feed hands its events over in several
// batches; until then its row is not published (remaining > 0). Events
// stored before parts existed are each their own command.
//
// A public event holds ids, statuses, roles, reasons and consequences, and
// never a name, an e-mail, an external id or a password hash: nothing sent
// can later name a person who was deleted.
//
// # The table, as consumers read it
//
// Consumers (the pull feed, webhook delivery, the NATS publisher) read rows
// with remaining = 0 in (position_commit, position_prepare) order, which is
// the feed's order, across tenants and within one. A command's events are
// contiguous in the feed, so an incomplete row is always the last: no
// complete row is ever inserted before one a reader has passed. body is
// the CloudEvents 1.0 JSON document, the exact bytes every consumer sends;
// event_id is its "id", stable across rebuilds (the id of the command's
// first stored event).
package publicevents

import (
	"fmt"

	"github.com/rosterhq/roster/projections"
)

// Table is the current version of the public event log.
const Table = "public_events_v1"

// Channel is the NOTIFY channel the projector signals when a batch that
// told public events commits, so that their consumers (webhook delivery,
// the NATS publisher) wake at once rather than at their next poll.
const Channel = "roster_public_events"

// Projector keeps Table, or a copy of it (projections.InTable).
type Projector struct{ projections.Named }

// New returns the projector of the live table; NewSuffixed that of a copy.
func New() Projector                      { return NewSuffixed("") }
func NewSuffixed(suffix string) Projector { return projections.InTable[Projector](Table, suffix) }

// Schema creates the log, ordered by feed position, and the two small
// tables of facts a public event needs and no event of a later command
// carries: each user's kind, status, role and sessions rule, and each
// tenant's policy. A row's draft is the command still being told (NULL
// once told): what the next batch needs to go on with it.
func (p Projector) Schema() []string {
	t := p.Table()
	return []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
    tenant_id        text        NOT NULL,
    position_commit  numeric(20) NOT NULL,
    position_prepare numeric(20) NOT NULL,
    event_id         text        NOT NULL,
    type             text        NOT NULL,
    subject          text,
    at               timestamptz NOT NULL,
    remaining        int         NOT NULL,
    body             bytea       NOT NULL,
    draft            jsonb,
    PRIMARY KEY (tenant_id, position_commit, position_prepare)
)`, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_feed ON %s (position_commit, position_prepare)`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_open ON %s (tenant_id) WHERE remaining > 0`, t, t),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_at ON %s (at)`, t, t), // pruning
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s_users (
    tenant_id text  NOT NULL,
    user_id   text  NOT NULL,
    facts     jsonb NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
)`, t),
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s_tenants (
    tenant_id text  PRIMARY KEY,
    policy    jsonb NOT NULL
)`, t),
	}
}

// Tables names the log and its tables of facts.
func (p Projector) Tables() []string {
	t := p.Table()
	return []string{t, t + "_users", t + "_tenants"}
}
