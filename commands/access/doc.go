// Package access is what every HTTP route shares about who is calling and
// what it names: the Principal a bearer token resolves to, the middleware
// that resolves it and keeps each tenant's paths to that tenant's
// principals, the check of every path parameter against the domain's id
// types (ValidPath), and RFC 9457 problem documents. It holds no policy of
// its own: sessions resolves tokens, and the domain decides what a principal
// may change and what a valid id is.
package access
