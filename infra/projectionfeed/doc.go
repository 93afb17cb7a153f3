// Package projectionfeed turns the event store's feed into Watermill
// messages for the projectors: a message.Subscriber whose topics are
// projector names. Each subscription starts at that projector's stored
// checkpoint and delivers one message per feed batch (history pages while
// catching up, single events live), waiting for each to be acked. While
// catching up, the subscriptions of one Subscriber share the pages of
// history: each is read from the feed and decoded once, the fastest waiting
// for the slowest rather than running past the pages kept. From the first
// page that is not full, they follow the live feed through one shared
// subscription to it (the tail): each live batch is read, its personal data
// opened and decoded once for all of them, and a projector hands on as one
// batch whatever queued while it applied the last.
//
// A nacked batch is delivered again event by event, so that the events
// before a poison event still apply and the poison one is pinned down; a
// nacked single event ends the subscription. The projector stays stopped,
// failed, at the event before it: an event is never skipped, since a skipped
// event corrupts a read model for good.
package projectionfeed
