// Package kurrentdbfake is an in-process fake of the KurrentDB (EventStoreDB)
// gRPC protocol, for tests only: it answers exactly the calls the v4 client
// (github.com/EventStore/EventStore-Client-Go/v4/esdb) makes for appends,
// stream and $all reads and $all subscriptions, over a real loopback gRPC
// listener, so the real client is exercised end to end.
//
// It keeps KurrentDB's semantics where the client or the adapter could
// depend on them:
//
//   - stream revisions count from 0; expected revisions any, no_stream,
//     stream_exists and an exact revision are checked as the server's
//     IndexWriter.CheckCommit does, including its idempotency rules: a batch
//     whose ids already sit at the expected revision is answered with the
//     original result, ids found only in another stream are not recognised,
//     and a batch partly stored is refused as a wrong expected version;
//   - the whole append is limited to Options.MaxAppendSize (default 1 MiB,
//     the server's default), counted as the server does: data, custom
//     metadata and twice the type's length per event;
//   - every recorded event carries the "created" metadata (.NET ticks since
//     the Unix epoch), which the client requires;
//   - reads with a count answer only events or stream_not_found and are
//     inclusive of the position given; a stream may be read backwards too
//     (newest first), $all only forwards;
//   - subscriptions answer a confirmation first, then events after the
//     position given (exclusive), checkpoints and caught_up;
//   - an event has the same position (commit and prepare) in a stream read
//     as in $all and its subscriptions, as on the server;
//   - the keepalive enforcement policy permits the client's 10 s pings.
//
// DropSubscriptions ends every running subscription from the server side,
// so that a test can check a subscriber resumes without loss or duplicates.
// It never imports the client's protos/status or protos/code packages, whose
// registrations conflict with genproto's.
package kurrentdbfake
