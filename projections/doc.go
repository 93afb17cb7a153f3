// Package projections keeps the read models. Each projector
// (projections/<readmodel>) owns its versioned tables and a pure reducer,
// event → SQL statements; this package runs them: it applies a batch of
// events with their statements and the projector's checkpoint in one
// transaction, so a read model is always exactly the projection of the
// events up to its checkpoint, whatever crashes.
//
// Events reach projectors as Watermill messages (one message per feed
// batch: pages of history while catching up, single events when live), so
// retry, recovery and poison handling come from Watermill's router
// middleware; the subscriber that turns the event feed into messages lives
// in infra/projectionfeed.
package projections
