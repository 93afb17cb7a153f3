// Package sessionstore keeps session digests in PostgreSQL for the sessions
// package.
package sessionstore
