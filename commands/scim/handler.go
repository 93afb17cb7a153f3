package scim

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/elimity-com/scim"
)

// NewHandler returns the handler of one tenant's SCIM 2.0 base URL, to be
// mounted on a chi router at /v1/tenants/{tenant}/scim/v2: it reads the
// tenant with chi.URLParam(r, "tenant"), and serves whatever path follows
// "/scim/v2" (/Users, /Groups, /ServiceProviderConfig, /Schemas,
// /ResourceTypes, a trailing slash tolerated).
//
// Every request, discovery included, must carry the bearer token of one of
// that tenant's SCIM connections (auth.AuthenticateSCIM): 401 otherwise.
// Every reply, error or not, is application/scim+json, errors in SCIM's
// error format. Refusals are logged at Info (code and connection name),
// failures at Error; log never receives a token, e-mail or name.
func NewHandler(dir Directory, auth Authenticator, log *slog.Logger) http.Handler {
	return &handler{auth: auth, log: log, args: serverArgs(dir, log)}
}

type handler struct {
	auth Authenticator
	log  *slog.Logger
	args *scim.ServerArgs
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	base, path := splitBase(r.URL.Path)
	in := r.Clone(withConnection(r.Context(), c))
	in.URL.Path, in.URL.RawPath = path, ""
	ep := endpointOf(path)
	if e, ok := prepareBody(w, in, ep); !ok {
		writeError(w, e)
		return
	}
	prepareQuery(in.URL, ep, in.Method)
	in = takeSimpleUserFilter(in, ep)
	// The library makes locations absolute with the base URL it is built
	// with, and the base differs per tenant: one server per request (a few
	// field copies). The base is the path of the tenant's base URL, so
	// locations are absolute paths on whatever host the client called.
	srv, err := scim.NewServer(h.args, scim.WithBaseURL(base), scim.WithLogger(libraryLog{h.log}))
	if err != nil { // only for missing arguments, which serverArgs always gives
		writeError(w, failure(h.log, in, err))
		return
	}
	serve(w, in, srv, ep)
}

// splitBase splits path into the tenant's base URL, up to and including
// "/scim/v2", and the rest that the library routes ("/Users/1"), without a
// trailing slash: the library reads "/Users/" as the user whose id is "".
func splitBase(path string) (base, rest string) {
	const mark = "/scim/v2"
	rest = path
	if i := strings.Index(path, mark+"/"); i >= 0 {
		base, rest = path[:i+len(mark)], path[i+len(mark):]
	} else if strings.HasSuffix(path, mark) {
		base, rest = path, ""
	}
	if rest = strings.TrimRight(rest, "/"); rest == "" {
		rest = "/"
	}
	return base, rest
}

// endpoint is the resource endpoint a request is on: its name ("/Users"),
// the schema URIs its resources have (the core one first), and whether the
// request is on the endpoint itself (a list or a creation) rather than on
// one resource. The zero endpoint is no resource endpoint (discovery).
type endpoint struct {
	name    string
	schemas []string
	list    bool
}

func endpointOf(path string) endpoint {
	for _, ep := range []endpoint{
		{name: "/Users", schemas: []string{userSchema, enterpriseSchema}},
		{name: "/Groups", schemas: []string{groupSchema}},
	} {
		if path == ep.name || strings.HasPrefix(path, ep.name+"/") {
			ep.list = path == ep.name
			return ep
		}
	}
	return endpoint{}
}

// prepareQuery gives a list the default count of 100 when the client gave
// none (the library would take its maximum, 1000), and folds the filters
// its parser rejects into ones it takes (foldValuePathFilters).
func prepareQuery(u *url.URL, ep endpoint, method string) {
	if !ep.list || method != http.MethodGet {
		return
	}
	q := u.Query()
	if q.Get("count") == "" {
		q.Set("count", strconv.Itoa(defaultCount))
	}
	if f := q.Get("filter"); f != "" {
		q.Set("filter", foldValuePathFilters(f))
	}
	u.RawQuery = q.Encode()
}
