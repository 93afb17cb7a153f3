// Package webhooks delivers the public event log (projections/publicevents)
// to the HTTP endpoints tenants register, signed per the Standard Webhooks
// specification, at least once.
//
// # Endpoints
//
// Store keeps each tenant's endpoints: a URL, the public event types sent
// (none: all), whether it is enabled, and a signing secret shown once, when
// the endpoint is created or its secret rotated. Secrets are stored sealed
// (AES-256-GCM under a key derived from ROSTER_MASTER_KEY) and never
// logged. After a rotation the previous secret signs too, for 24 hours, so
// that a receiver can switch without losing a delivery.
//
// # From the log to the receivers
//
// A fan-out reads complete public events after its checkpoint and queues
// one delivery per event and matching enabled endpoint of the event's
// tenant (an endpoint gets the events from its creation on; earlier ones
// by Replay), moving the checkpoint in the same transaction: an event is
// queued once, whichever process fans out (a second one skips the locked
// checkpoint). It is woken by a NOTIFY on PublicEventsChannel, and polls
// every Options.Poll besides. Workers in every serve process claim due
// deliveries with FOR UPDATE SKIP LOCKED and take a lease on each (its
// next attempt moves past the time the attempt may take); they POST
// without holding a database connection, at most Concurrency at once and
// PerEndpoint per endpoint (a hanging receiver cannot take every slot;
// one that answers within quickAttempt may have quickSlots times as many),
// then record the attempt (successes in batches, the delivering attempt
// on its delivery's row). An endpoint whose last attempt delivered within
// fastAttempt has its deliveries claimed ahead, up to claimAhead per slot
// (quickAhead within quickAttempt), and sent as slots free, so that a busy
// endpoint costs one claim per hundred-odd deliveries, not one per
// attempt; the fan-out queues such an endpoint's new deliveries already
// leased to its own process, up to that room, and hands them to its
// workers, so that live traffic needs no claim at all. Beyond that room
// (a backlog: a bulk's thousands of events at once) it defers them
// (deferred.go): one row marks where they start, and each later fan-out
// hands the next to the workers as the window frees, while every other
// endpoint's go on being queued; such a delivery has no row until its
// first attempt ends, and is written once (rowless.go); should the
// process stop or die, another takes the row over within seconds, from
// the first delivery not yet written. Deliveries waiting in a window take no slot from
// other endpoints while its attempts hang. A held delivery whose lease no longer covers an attempt is
// never sent but given back, and so is everything held when the endpoint
// turns slow or failing, or the dispatcher stops. A worker that dies after
// its POST and before recording leaves the delivery to be sent again when
// the lease ends, with the same webhook-id: delivery is at least once, and
// a receiver dedupes on webhook-id. The lease also fences the recording:
// a delivery replayed, or held back by a disabling, during an attempt
// keeps that state. (A disabling does not reach the deliveries a process
// holds ahead: those already claimed are still sent, within seconds, as an
// attempt under way would be.)
//
// A 2xx answer delivers. Anything else (no answer within the timeout
// included) is retried with exponential backoff and jitter for about three
// days, later when the receiver asks for it (429 or 503 with Retry-After),
// then the delivery fails. 410 Gone disables the endpoint at once; an
// endpoint whose attempts have all failed for DisableAfter is disabled too,
// and the reason is kept for the admin who enables it again.
//
// # What endpoints may reach
//
// Unless AllowPrivate, a URL must be http or https on a public address: a
// host that is or resolves to a loopback, link-local, private, shared,
// unspecified, multicast or reserved address is refused when the endpoint
// is saved, and every connection is checked again once the name is
// resolved (net.Dialer's Control), so that a name resolving elsewhere later
// (DNS rebinding) cannot reach the internal network either. Proxies from
// the environment are not used and redirects are not followed.
package webhooks
