// Package tenants is the tenants read model: each tenant's name, preset,
// policy and seats purchased (seats used are counted from the users read
// model), as GET /v1/tenants/{tenant} shows them.
package tenants
