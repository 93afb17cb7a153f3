package domain

import "strings"

// TenantStreamPrefix begins the name of every tenant's event stream: each
// tenant is one aggregate, whose events are the stream "tenant-<id>". The
// event stores' feeds, the projectors and the key store tell a tenant's
// stream by it; nothing else names streams.
const TenantStreamPrefix = "tenant-"

// TenantStream names the event stream of tenant t.
func TenantStream(t TenantID) string { return TenantStreamPrefix + string(t) }

// TenantOfStream returns the tenant whose event stream is stream; ok is
// false for a stream that is no tenant's.
func TenantOfStream(stream string) (t TenantID, ok bool) {
	id, ok := strings.CutPrefix(stream, TenantStreamPrefix)
	if !ok || id == "" {
		return "", false
	}
	return TenantID(id), true
}
