package webhookapi

import "reflect"

// RequestBodies maps each operation that reads a JSON body, written
// "METHOD /path" with the chi pattern's path, to the struct its body is
// decoded into, as writeapi.RequestBodies does for the write API; the
// OpenAPI document is tested against both.
func RequestBodies() map[string]reflect.Type {
	const w = "/v1/tenants/{tenant}/webhooks"
	return map[string]reflect.Type{
		"POST " + w:                       reflect.TypeFor[createBody](),
		"PATCH " + w + "/{webhook}":       reflect.TypeFor[updateBody](),
		"POST " + w + "/{webhook}/replay": reflect.TypeFor[replayBody](),
	}
}

// QueryParameters maps each GET operation to the query parameters it takes
// and checks, as readapi.QueryParameters does for the read API; the
// OpenAPI document is tested against both.
func QueryParameters() map[string][]string {
	const w = "/v1/tenants/{tenant}/webhooks"
	return map[string][]string{
		"GET " + w:                           {},
		"GET " + w + "/{webhook}/deliveries": {"limit", "cursor", "state"},
	}
}
