// Package projectionfeed turns the event store's feed into Watermill
// messages for the projectors: a message.Subscriber whose topics are
// projector names. Each subscription starts at that projector's stored
// checkpoint and delivers one message per feed batch (history pages while
// catching up, single events live), waiting for each to be acked. While
// catching up, the subscriptions of one Subscriber share the pages of
// history: each is read from the feed and decoded once, then the live feed
// takes over from the first page that is not full.
//
// A nacked batch is delivered again event by event, so that the events
// before a poison event still apply and the poison one is pinned down; a
// nacked single event ends the subscription. The projector stays stopped,
// failed, at the event before it: an event is never skipped, since a skipped
// event corrupts a read model for good.
package projectionfeed
