package writeapi

import "reflect"

// RequestBodies maps each operation that reads a JSON body, written
// "METHOD /path" with the chi pattern's path, to the struct its body is
// decoded into. The body's fields are exactly the struct's JSON names, and
// unknown fields are refused; the OpenAPI document is tested against it.
func RequestBodies() map[string]reflect.Type {
	const t, u = "/v1/tenants/{tenant}", "/v1/tenants/{tenant}/users/{user}"
	reason := reflect.TypeFor[reasonBody]()
	none := reflect.TypeFor[struct{}]()
	return map[string]reflect.Type{
		"POST /v1/tenants":                               reflect.TypeFor[createTenantBody](),
		"POST /v1/introspect":                            reflect.TypeFor[introspectBody](),
		"POST " + t + "/sessions":                        reflect.TypeFor[loginBody](),
		"PATCH " + t + "/policy":                         reflect.TypeFor[policyBody](),
		"PUT " + t + "/seats":                            reflect.TypeFor[seatsBody](),
		"POST " + t + "/purchases":                       reflect.TypeFor[purchaseBody](),
		"POST " + t + "/users":                           reflect.TypeFor[inviteBody](),
		"POST " + u + "/activate":                        reason,
		"POST " + u + "/deactivate":                      reflect.TypeFor[deactivateBody](),
		"POST " + u + "/reactivate":                      reason,
		"POST " + u + "/block":                           reason,
		"POST " + u + "/unblock":                         reason,
		"POST " + u + "/revoke-sessions":                 reason,
		"PUT " + u + "/role":                             reflect.TypeFor[roleBody](),
		"PUT " + u + "/password":                         reflect.TypeFor[passwordBody](),
		"DELETE " + u:                                    reason,
		"PUT " + t + "/teams/{team}":                     reflect.TypeFor[teamBody](),
		"PUT " + t + "/teams/{team}/members/{user}":      none,
		"DELETE " + t + "/teams/{team}/members/{user}":   none,
		"PUT " + t + "/teams/{team}/leader":              reflect.TypeFor[leaderBody](),
		"PUT " + t + "/work/{item}":                      reflect.TypeFor[workBody](),
		"POST " + t + "/ownership-transfers":             reflect.TypeFor[transferBody](),
		"POST " + t + "/bulk":                            reflect.TypeFor[bulkBody](),
		"POST " + t + "/scim-connections":                reflect.TypeFor[scimConnectionBody](),
		"DELETE " + t + "/scim-connections/{connection}": none,
	}
}
