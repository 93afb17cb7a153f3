// Package kurrentdb is the event store port (commands/eventstore) on
// KurrentDB / EventStoreDB, through the v4 gRPC client
// (github.com/EventStore/EventStore-Client-Go/v4/esdb).
//
// Each Roster stream (one per aggregate: "tenant-<id>") is a KurrentDB
// stream of the same name, under an optional namespace prefix. Versions are
// revisions plus one (KurrentDB counts from 0); an append carries the
// expected revision, and the events' ids are the callers' (deterministic for
// idempotent requests), so a retry with the same expected revision is
// recognised by the server and answered with the original result. Schema
// version and occurred-at travel in the custom metadata, as a small JSON
// envelope around the caller's metadata.
//
// The feed is $all filtered by stream prefix: ReadAll pages through $all,
// and Subscribe runs SubscribeToAll from the given position with a
// server-side prefix filter, keeping the last position it passed (from
// events and from the server's checkpoints over filtered-out events) and
// resubscribing from it whenever the subscription drops.
//
// What KurrentDB does not give, compared with the PostgreSQL store:
// event ids are recognised only within a stream (at the expected revision,
// or from the server's idempotency cache when any revision is expected), so
// ids reused in another stream are stored again; and an append is refused
// above the server's MaxAppendSize (1 MiB by default), payload, metadata
// and type together.
package kurrentdb
