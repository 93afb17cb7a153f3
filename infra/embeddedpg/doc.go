// Package embeddedpg runs a private PostgreSQL server from the machine's own
// installation, for "roster serve" without ROSTER_DATABASE_URL and for the
// test suite (in the spirit of the dev modes of Keycloak or Temporal).
//
// Everything a server owns lives in one folder (Options.Dir): the data
// folder, the server log, the password of the "roster" superuser and a lock
// file that keeps two processes from running the same folder at once. The
// server listens on a free 127.0.0.1 port only, never on a Unix socket, and
// is a direct child of the calling process that the kernel shuts down when
// the caller dies (even by SIGKILL), so no server outlives its owner for
// long; a server left behind anyway is stopped by the next Start.
//
// PostgreSQL refuses to run as root, so when the caller is root the server
// runs as the "postgres" system user (created as "roster-postgres" when
// absent). The package is Linux-only: it relies on Pdeathsig, flock and
// /proc.
package embeddedpg
