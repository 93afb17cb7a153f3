// Package pgstore is the PostgreSQL adapter of the event store port
// (commands/eventstore): one append-only events table, optimistic concurrency
// by UNIQUE (stream_id, stream_version), and a feed that never skips an event.
//
// The feed reads in (transaction_id, position) order and only below the
// current snapshot's xmin: every transaction with a smaller id has finished,
// so no event can later appear behind a position already delivered, however
// late its transaction commits. Readers are woken by LISTEN/NOTIFY (and, in
// the appending process, directly), never by sleeping; a short poll remains
// only while committed events are held back by a still-running transaction.
//
// It has the port's optional capability eventstore.SessionGuard: the
// sessions table lives beside the events, so an append can depend on a
// session being live, checked in its own round trip.
package pgstore
