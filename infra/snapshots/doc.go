// Package snapshots is the PostgreSQL adapter of execution.SnapshotStore: one
// row per stream holding the latest serialised write model, its stream
// version and the feed position of that version's event.
//
// Snapshots are a cache. Saving never moves a stream's snapshot backwards, so
// concurrent writers (or a slow one finishing late) cannot replace a newer
// state with an older one; losing the table costs only replay time.
package snapshots
