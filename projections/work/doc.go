// Package work is the work read model: one row per work item with its kind
// and assignee (none when unassigned), as GET /v1/tenants/{tenant}/work
// lists them, filtered by assignee and kind and paged by item id.
package work
