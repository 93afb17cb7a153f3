package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
)

// apiClient calls the JSON API in process: every decision the console
// shows (who may do what, the policy, the preview of an action, a
// refusal) is the API's answer to the signed-in user's token, never a rule
// of the console's own. The requests go through the whole router, its
// authentication, role checks and problem mapper included.
type apiClient struct{ api http.Handler }

// answer is an API reply: its status and its JSON body.
type answer struct {
	Status int
	Body   []byte
}

// ok reports a 2xx.
func (a answer) ok() bool { return a.Status >= 200 && a.Status < 300 }

// decode reads the body into v.
func (a answer) decode(v any) error {
	if err := json.Unmarshal(a.Body, v); err != nil {
		return fmt.Errorf("console: the API answered %d with a body that is not what was expected: %w", a.Status, err)
	}
	return nil
}

// problem is an API problem document (RFC 9457, API.md's codes).
type problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
	Index  *int   `json:"index"`
}

// problemOf reads a refusal; a body that is not one reads as "internal".
func (a answer) problemOf() problem {
	p := problem{Status: a.Status}
	if json.Unmarshal(a.Body, &p) != nil || p.Code == "" {
		p.Code, p.Detail = "internal", "the service could not answer"
	}
	return p
}

// call sends method path (with query) and body (JSON, none if nil) with
// token, on behalf of the browser's request from, and returns the reply.
func (c apiClient) call(from *http.Request, method, path string, query url.Values, body any, token string, headers ...string) answer {
	req, err := c.request(from, method, path, query, body, token, headers...)
	if err != nil {
		return answer{Status: http.StatusInternalServerError}
	}
	rec := &recorder{header: http.Header{}}
	c.api.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return answer{Status: rec.status, Body: rec.body.Bytes()}
}

// stream answers the browser with the API's reply to GET path as it comes:
// an export of any length goes through in flat memory.
func (c apiClient) stream(w http.ResponseWriter, from *http.Request, path string, query url.Values, token string) {
	req, err := c.request(from, http.MethodGet, path, query, nil, token)
	if err != nil {
		http.Error(w, "the request could not be made", http.StatusInternalServerError)
		return
	}
	c.api.ServeHTTP(w, req)
}

// request builds the API request: the browser's client address and
// forwarding headers go along, so that the API's rate limits see the same
// client as for a direct call.
func (c apiClient) request(from *http.Request, method, path string, query url.Values, body any, token string, headers ...string) (*http.Request, error) {
	var payload io.Reader = http.NoBody
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		payload = bytes.NewReader(raw)
	}
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	// A fresh routing context: the browser's request was routed to the
	// console, and chi would take its routing state for a sub-router's.
	ctx := context.WithValue(from.Context(), chi.RouteCtxKey, (*chi.Context)(nil))
	req, err := http.NewRequestWithContext(ctx, method, target, payload)
	if err != nil {
		return nil, err
	}
	req.RemoteAddr = from.RemoteAddr
	for _, h := range []string{"X-Forwarded-For", "Forwarded"} {
		if v := from.Header.Values(h); len(v) > 0 {
			req.Header[h] = v
		}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req, nil
}

// recorder is the response the API writes for the console.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
