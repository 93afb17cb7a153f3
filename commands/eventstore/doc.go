// Package eventstore is the event store port: the vocabulary (streams,
// expected versions, positions, recorded events) and the small interfaces that
// commands append and read through and that projections are fed from.
//
// It knows no storage. Adapters (infra/pgstore for PostgreSQL,
// infra/kurrentdb for KurrentDB) implement Store, and prove it by passing the
// one contract suite in eventstore/eventstoretest. What only some stores can
// do is an optional capability, an interface of its own that a store
// implements or not (SessionGuard): never an instruction carried in a
// context.
package eventstore
