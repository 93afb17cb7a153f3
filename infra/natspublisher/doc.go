// Package natspublisher publishes the public event log
// (projections/publicevents) to a NATS JetStream stream, for internal
// consumers that would rather subscribe than poll the pull feed or serve
// webhooks. It is off unless configured.
//
// # What the stream holds
//
// Every complete row of the log (remaining = 0), once, in feed order (so in
// order within each tenant), as one message:
//
//   - subject "roster.<tenant>.<type>", as in "roster.acme.user.deactivated.v1"
//     (see Subject: a type's dots are extra tokens);
//   - payload the row's body unchanged: the CloudEvents 1.0 JSON document
//     the pull feed and webhooks send too;
//   - headers Nats-Msg-Id (the event id), Content-Type
//     application/cloudevents+json, Roster-Position (the row's feed
//     position), and Watermill's _watermill_message_uuid (the event id).
//
// # Exactly once in the stream
//
// Each batch of rows is published one by one, every publish awaiting
// JetStream's acknowledgement (the message is stored) before the next is
// sent, and only then is the batch's checkpoint stored in PostgreSQL
// (nats_publisher_checkpoints, one row per stream name). Towards NATS this
// is at least once: after a crash between the acknowledgements and the
// checkpoint, the rows since the checkpoint are published again. The
// stream drops those repeats, because every message carries its event id
// as Nats-Msg-Id and the stream's duplicate window (an hour by default,
// set on the stream at every start) is far longer than a crash and a
// restart take. A repeat after longer than the window (say, a process
// that dies after publishing, then stays down for longer) would be stored
// twice; consumers that must never see one dedupe on the CloudEvents id.
//
// A row still incomplete stops the batch: nothing after it is published
// before it, so the stream never holds a later event before an earlier one.
//
// # Failures
//
// NATS or PostgreSQL unreachable, at start or midway, a publish not
// acknowledged in time: Run logs a warning and starts again from the
// stored checkpoint after a back-off (100 ms, doubling, at most 30 s).
// Nothing is skipped, ever: a row that cannot be published (a tenant or
// type that would not make a valid subject, written by a bug) stops the
// publisher at that row with an error in the log, retried likewise.
package natspublisher
