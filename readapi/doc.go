// Package readapi serves the read side of the HTTP API with chi: queries over
// read models, and the operational probes. It never loads an aggregate.
package readapi
