package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// reply is an HTTP answer: status, headers and the body parsed as JSON (an
// object; nil when the body is not one).
type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// code is the problem document's code, "" if none.
func (r reply) code() string { s, _ := r.Body["code"].(string); return s }

// str reads a string field of the body.
func (r reply) str(field string) string { s, _ := r.Body[field].(string); return s }

// call sends method path with token (none if "") and body (JSON-encoded
// unless it is a string, sent as is; nothing if nil), plus extra headers
// as name, value pairs.
func call(t testing.TB, base, method, path, token string, body any, headers ...string) reply {
	t.Helper()
	r, err := send(http.DefaultClient, base, method, path, token, body, headers...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is call for any goroutine: it returns what call would fail on.
func send(client *http.Client, base, method, path, token string, body any, headers ...string) (reply, error) {
	var payload io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		payload = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		payload = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, payload)
	if err != nil {
		return reply{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r, err
}

// expect fails unless r has status want (and, for a problem, code).
func expect(t testing.TB, what string, r reply, want int, code string) reply {
	t.Helper()
	if r.Status != want || (code != "" && r.code() != code) {
		t.Fatalf("%s: got %d %s, want %d %s", what, r.Status, r.Raw, want, code)
	}
	return r
}

// obj is a JSON object literal.
type obj = map[string]any
