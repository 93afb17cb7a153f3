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
//   - headers Nats-Msg-Id (the event id), content-type
//     application/cloudevents+json (structured mode, for CloudEvents SDKs),
//     Roster-Position (the row's feed position), and Watermill's
//     _watermill_message_uuid (the event id, for Watermill subscribers).
//
// # Exactly once in the stream
//
// Each batch of rows is published one by one, every publish awaiting
// JetStream's acknowledgement (the message is stored) before the next is
// sent, and only then is the batch's checkpoint stored in PostgreSQL
// (nats_publisher_checkpoints, one row per stream name). Towards NATS this
// is at least once; two things make it exactly once in the stream:
//
//   - A publisher (re)starting reads the stream's last message: when it is
//     one of this log's complete rows (its Roster-Position and Nats-Msg-Id
//     name one) past the checkpoint, every row up to it is in the stream
//     already, and publishing resumes after it. A crash between the
//     acknowledgements and the checkpoint publishes nothing again, however
//     long the restart takes.
//   - Otherwise (the last message is not ours), the rows since the
//     checkpoint are published again, and the stream drops them: every
//     message carries its event id as Nats-Msg-Id, and the stream's
//     duplicate window (an hour by default, set on the stream at every
//     start) is far longer than a crash and a restart take. This is also
//     what keeps two publishers running at once (which they should not)
//     from storing an event twice.
//
// Consumers that must never act twice on one event still dedupe on the
// CloudEvents id: a consumer's own redelivery is another matter.
//
// A row still incomplete stops the batch: nothing after it is published
// before it, so the stream never holds a later event before an earlier one.
//
// # Waking up
//
// The publisher LISTENs on publicevents.Channel, which the projector
// NOTIFYs as a batch that told public events commits, in whichever process
// it runs, and looks at once; it also looks every Poll (a second) in case
// a notification was lost.
//
// # One at a time
//
// Run it where the projectors run, inside their leadership
// (projectionfeed.Lead), so that one process publishes at a time. Two at
// once would still store every event once and in order (each publishes in
// order, awaiting every acknowledgement, and the stream drops the other's
// repeats), doing the work twice.
//
// # Failures
//
// NATS or PostgreSQL unreachable, at start or midway, a publish not
// acknowledged in time: Run logs a warning and starts again where
// publishing left off after a back-off (100 ms, doubling, at most 30 s).
// Nothing is skipped, ever: a row that cannot be published (a tenant or
// type that would not make a valid subject, written by a bug) stops the
// publisher at that row with an error in the log, retried likewise.
//
// The stream is as durable as NATS keeps it: JetStream acknowledges a
// message once written, and by default flushes its files to disk every two
// minutes (sync_interval), so a machine that loses power may lose the
// tail of a single-replica stream that the checkpoint counts as sent. Where
// that matters, run the stream with three replicas, or NATS with
// sync_interval: always.
package natspublisher
