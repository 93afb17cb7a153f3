// Package idempotency is the PostgreSQL adapter of execution.IdempotencyStore:
// per tenant and Idempotency-Key, the fingerprint of the first request and,
// once it has finished, its outcome.
//
// Claiming is atomic: of any number of concurrent requests with the same new
// key exactly one claims it, and the others see its record. Records are
// judged expired against the clock the caller passes in (never the
// database's), replaced by the next claim as if absent, and deleted by Purge.
package idempotency
