// Package connlimit bounds the connections an HTTP server keeps open, so
// that no client, however many connections it opens, exhausts the
// process's file descriptors, while room stays for the requests that must
// always get through: health checks and the operator.
//
// A Listener admits connections up to Max for everyone, then up to Reserve
// more whose requests are served only if the server calls them priority
// (Admit); beyond that, new connections are closed at once rather than
// left in the kernel's queue. Slow and idle connections are the
// http.Server's timeouts' to close (ReadHeaderTimeout, ReadTimeout,
// IdleTimeout): each held connection then costs a bounded time.
package connlimit
