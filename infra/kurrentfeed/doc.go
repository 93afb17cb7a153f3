// Package kurrentfeed carries the KurrentDB event store's feed into
// PostgreSQL for the projectors (DESIGN.md §3): an Ingester reads the
// store's $all subscription and writes each batch, with the position it
// reached, into the kurrent_feed table in one transaction, so a crash
// anywhere neither loses nor duplicates an event; a Feed serves that table
// to the projectors as the event store port's Feed, in $all order, woken by
// LISTEN/NOTIFY.
//
// A History serves point-in-time reads of one user from the same table, by
// the indexes of migration 00008, once the copy has reached the end the
// user's stream has in KurrentDB when the read begins.
//
// The ingester also runs a hook in each batch's transaction: the wiring
// destroys there the personal-data keys of users whose UserDeleted event the
// batch holds, so erasure cannot be lost between KurrentDB and PostgreSQL.
package kurrentfeed
