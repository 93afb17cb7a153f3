// Package access is what every HTTP route shares about who is calling: the
// Principal a bearer token resolves to, the middleware that resolves it and
// keeps each tenant's paths to that tenant's principals, and RFC 9457 problem
// documents. It holds no policy of its own: sessions resolves tokens, and the
// domain decides what a principal may change.
package access
