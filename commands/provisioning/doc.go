// Package provisioning carries out what identity providers ask over SCIM
// (the scim.Directory port) with the same use cases and write-model reads
// as the JSON API, on behalf of the SCIM connection that asks: every tenant
// rule holds on this path because the domain decides it, and every change
// is the connection's in the audit trail.
//
// Reads of one user or group (by id, userName, externalId, displayName) come
// from the write model, caught up with the stream (once per request, by the
// token's check): an identity provider that creates a user and reads it
// back at once finds it, with no read model lag. Only an unfiltered list of users pages through the users read
// model (UserPages) for its ids.
//
// A SCIM request may become several commands (a PUT that renames, changes
// the role and deactivates): each is decided and stored on its own, in that
// order, so a refusal of a later one leaves the earlier ones done — as the
// same calls on the JSON API would.
package provisioning
