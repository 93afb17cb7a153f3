// Package wiring builds Roster from its parts, the one way serve, the
// operator tools and the bench all build it: Open wires the event store the
// configuration chose (PostgreSQL, or KurrentDB with its feed copied into
// PostgreSQL), the sealing store over it, the command engine and its use
// cases, and sessions, over one database whose read models' tables it sets
// up; Router is the HTTP surface of API.md over them; RunProjectors keeps
// the read models while this process leads. It decides nothing and serves
// no request itself: what it builds does.
package wiring
