// Package domaintest records realistic tenant histories for tests: seeded
// random commands decided by the domain itself, so that every history obeys
// the invariants Decide keeps (a property test over hand-written events
// could break them and prove nothing).
package domaintest
