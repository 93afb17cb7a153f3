package readapi

import (
	_ "embed"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// openAPIDocument is API.md as OpenAPI 3.1. cmd/roster's tests hold it to
// the router (every route, both ways), to the write API's body structs (every
// JSON field) and to an OpenAPI 3.1 validator, so it cannot drift silently.
//
//go:embed openapi.json
var openAPIDocument []byte

// MountOpenAPI adds GET /v1/openapi.json, the OpenAPI 3.1 document of every
// route; it needs no token.
func MountOpenAPI(r chi.Router) {
	r.Get("/v1/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(openAPIDocument) // the client went away; nothing to do
	})
}
