// Package eventstoretest is the contract suite of the event store port. Every
// adapter's tests call Run with a factory of fresh, empty stores; a store that
// passes can stand behind commands and projections.
package eventstoretest
