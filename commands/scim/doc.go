// Package scim serves SCIM 2.0 (RFC 7643, RFC 7644) on one tenant's base
// URL, /v1/tenants/{tenant}/scim/v2, for identity providers such as Entra ID
// and Okta. It is a protocol adapter: it decides nothing about users or
// teams, and turns every request into calls on Directory (ports.go), which
// runs Roster's commands and queries on behalf of the authenticated
// Connection.
//
// Routing, discovery (/ServiceProviderConfig, /Schemas, /ResourceTypes),
// schema validation, PATCH path validation and filter parsing are
// github.com/elimity-com/scim's. What that library gets wrong, or what real
// clients send that it refuses, is mended around it, never inside it:
//
//   - request.go rewrites the request before the library reads it: bodies
//     are bounded (413) and must be JSON (400 invalidSyntax); string
//     booleans ("True") become booleans; Entra's plain-string manager
//     becomes {"value": ...}; a path-less PATCH operation becomes one
//     operation per attribute, so that dotted keys and unknown attributes
//     are judged as paths; a list's count defaults to 100 (the library
//     would take the maximum, 1000); and a filter on a sub-attribute of a
//     value path, emails[type eq "work"].value eq "x", which the library's
//     parser rejects, is folded into emails[type eq "work" and value eq "x"].
//   - reply.go rewrites the library's reply where it falls short: it honours
//     attributes and excludedAttributes, and sets a list's itemsPerPage to
//     the number of resources the page holds.
//   - errors.go is the one place that maps Roster's refusals to SCIM errors.
//
// The resource handlers (users.go, groups.go) map SCIM attributes to the
// port types and back; user_patch.go and group_patch.go (with patch.go) map
// PATCH operations to UserChanges and GroupChanges; filter.go maps list
// filters to UserFilter and GroupFilter; discovery.go describes the service.
//
// The tests drive the handler over HTTP, mounted on chi as the wiring mounts
// it, with a Directory that records the calls it gets (directory_test.go);
// each quirk of a real client has its case, named after it.
package scim
