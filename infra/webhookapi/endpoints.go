package webhookapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/rosterhq/roster/commands/writeapi"
	"github.com/rosterhq/roster/infra/webhooks"
	"github.com/rosterhq/roster/projections/publicevents"
)

// endpointDoc is an endpoint as the API shows it: never its secret, which
// only creation and rotation answer, once.
type endpointDoc struct {
	ID                  string     `json:"id"`
	URL                 string     `json:"url"`
	Types               []string   `json:"types"`
	Enabled             bool       `json:"enabled"`
	Secret              string     `json:"secret,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	PreviousSecretUntil *time.Time `json:"previous_secret_until,omitempty"`
	DisabledAt          *time.Time `json:"disabled_at,omitempty"`
	DisabledReason      string     `json:"disabled_reason,omitempty"`
	FailingSince        *time.Time `json:"failing_since,omitempty"`
}

func docOf(e webhooks.Endpoint) endpointDoc {
	return endpointDoc{ID: e.ID, URL: e.URL, Types: e.Types, Enabled: e.Enabled, CreatedAt: e.CreatedAt,
		PreviousSecretUntil: orNil(e.PreviousSecretUntil), DisabledAt: orNil(e.DisabledAt), DisabledReason: e.DisabledReason,
		FailingSince: orNil(e.FailingSince)}
}

func orNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// createBody is POST …/webhooks: enabled unless said otherwise.
type createBody struct {
	URL     string   `json:"url"`
	Types   []string `json:"types"`
	Enabled *bool    `json:"enabled"`
}

func (a *API) create(w http.ResponseWriter, r *http.Request) {
	body, err := writeapi.DecodeBody[createBody](w, r)
	if err == nil {
		err = knownTypes(body.Types)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	e, secret, err := a.Store.CreateEndpoint(r.Context(), tenantOf(r), webhooks.NewEndpoint{URL: body.URL, Types: body.Types,
		Enabled: body.Enabled == nil || *body.Enabled})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	doc := docOf(e)
	doc.Secret = string(secret)
	writeJSON(w, http.StatusCreated, doc)
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	list, err := a.Store.ListEndpoints(r.Context(), tenantOf(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items := make([]endpointDoc, len(list))
	for i, e := range list {
		items[i] = docOf(e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// updateBody is PATCH …/webhooks/{webhook}: absent members stay as they are.
type updateBody struct {
	URL     *string   `json:"url"`
	Types   *[]string `json:"types"`
	Enabled *bool     `json:"enabled"`
}

func (a *API) update(w http.ResponseWriter, r *http.Request) {
	body, err := writeapi.DecodeBody[updateBody](w, r)
	if err == nil && body.Types != nil {
		err = knownTypes(*body.Types)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	e, err := a.Store.UpdateEndpoint(r.Context(), tenantOf(r), webhookOf(r),
		webhooks.EndpointChange{URL: body.URL, Types: body.Types, Enabled: body.Enabled})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, docOf(e))
}

func (a *API) remove(w http.ResponseWriter, r *http.Request) {
	if err := a.Store.DeleteEndpoint(r.Context(), tenantOf(r), webhookOf(r)); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) rotate(w http.ResponseWriter, r *http.Request) {
	secret, err := a.Store.RotateSecret(r.Context(), tenantOf(r), webhookOf(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": string(secret)})
}

// knownTypes refuses a type filter naming what is no public event type:
// an endpoint filtering on a misspelt type would never receive a thing.
func knownTypes(types []string) error {
	for _, t := range types {
		if !publicevents.Known(t) {
			return invalidField("types", "%q is not a public event type (the README's catalogue lists them)", t)
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
