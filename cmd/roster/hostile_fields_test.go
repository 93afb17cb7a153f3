package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostileField is one place of the write API that takes a text or a number:
// how to send a value there, and where the value shows once accepted.
type hostileField struct {
	name   string
	number bool // takes a JSON number, not a string
	path   bool // travels in a URL path segment, which cannot be empty
	// tenantPerCase: each case creates its own tenant (the value is part
	// of the creation); tenantIsValue: and the value is that tenant's id.
	tenantPerCase, tenantIsValue bool
	// emptyIsAbsent: the contract makes an empty value the field's
	// absence (an id the service then makes, an optional enum's default),
	// so an accepted "" has nothing to read back.
	emptyIsAbsent bool
	// shared: every case writes the same thing (the tenant's settings, a
	// team's leader), so each is read back before the next.
	shared bool
	// shape makes the field's form of a value (an e-mail address of a text,
	// say); nil leaves the text as it is.
	shape func(v hostileValue, c *hostileCase) string
	// normalize is the documented normal form the domain may store instead
	// of the value as written; nil when there is none.
	normalize func(string) string
	// stored: the value is kept in the events; audit: the column of the
	// audit trail it shows in ("reason", "target_name", "details"), if any.
	stored bool
	audit  string
	// setup prepares a tenant for the field's cases; send sends a case's
	// value (setup requests first) and returns the answer to the request
	// that carried it; read says what the API shows for it once accepted.
	setup func(h *hostileRun, t testing.TB, tenant string)
	send  func(h *hostileRun, t testing.TB, c *hostileCase) reply
	read  func(r *reader, t testing.TB, c *hostileCase) []string
}

// hostileCase is one value sent into one field.
type hostileCase struct {
	field  *hostileField
	value  hostileValue
	text   string // the value in the field's shape, as the client means it
	tenant string
	n      int64 // unique in the run: names the case's own user, item, team
	reply  reply // the answer to the request that carried the value
}

// String names the case in failure messages.
func (c *hostileCase) String() string {
	if c.field.number {
		return fmt.Sprintf("%s = %s", c.field.name, c.value.number)
	}
	return fmt.Sprintf("%s = %s %s", c.field.name, c.value.label, shortQuote(c.text))
}

// raw is the case's value as a JSON literal.
func (c *hostileCase) raw() string {
	if c.field.number {
		return c.value.number
	}
	return jsonString(c.text, c.value.escaped)
}

// segment is the case's value as a URL path segment.
func (c *hostileCase) segment() string { return url.PathEscape(c.text) }

// Names of the case's own user, work item and team.
func (c *hostileCase) user() string { return fmt.Sprintf("u-%d", c.n) }
func (c *hostileCase) item() string { return fmt.Sprintf("job-%d", c.n) }
func (c *hostileCase) team() string { return fmt.Sprintf("team-%d", c.n) }

// keeps reports whether got is the case's value as written, or in the
// field's normal form.
func (c *hostileCase) keeps(got string) bool {
	if c.field.number {
		return sameNumber(got, c.value.number)
	}
	return got == c.text || (c.field.normalize != nil && got == c.field.normalize(c.text))
}

// shaped is v in field's shape.
func (f *hostileField) shaped(v hostileValue, c *hostileCase) string {
	if f.shape != nil {
		return f.shape(v, c)
	}
	if v.probe > 0 {
		return strings.Repeat(string(v.probeRune), v.probe)
	}
	return v.text
}

// q is a JSON string literal of a text the harness makes itself.
func q(s string) string { return jsonString(s, false) }

// rawObject writes a JSON object of name, raw JSON value pairs, in order.
func rawObject(members ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(members); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(q(members[i]) + ": " + members[i+1])
	}
	return b.String() + "}"
}

// with returns members with the value of name replaced by value ("" keeps them).
func with(members []string, name, value string) []string {
	for i := 0; i+1 < len(members); i += 2 {
		if members[i] == name {
			members[i+1] = value
		}
	}
	return members
}

// The owner every tenant of the harness is created with.
const (
	hostileOwner    = "boss"
	hostilePassword = "boss pass"
)

// tenantBody is the creation of tenant c.tenant (seats not enforced), with
// key ("name", "owner.email", …; "" for none) set to value.
func tenantBody(c *hostileCase, key, value string) string {
	m := with([]string{"id", q(c.tenant), "name", q(fmt.Sprintf("Tenant %d", c.n)), "preset", q("strict"), "seats", "10",
		"seat_limit", q("ignore"), "owner.id", q(hostileOwner), "owner.email", q(fmt.Sprintf("boss@c-%d.example", c.n)),
		"owner.name", q("Boss"), "owner.password", q(hostilePassword)}, key, value)
	return rawObject("id", m[1], "name", m[3], "preset", m[5], "seats", m[7], "policy", rawObject("seat_limit", m[9]),
		"owner", rawObject("id", m[11], "email", m[13], "name", m[15], "password", m[17]))
}

// inviteBody is the invitation, active at once, of the case's user, with
// key set to value ("" for none).
func inviteBody(c *hostileCase, key, value string) string {
	m := with([]string{"id", q(c.user()), "email", q(c.user() + "@" + c.tenant + ".example"), "name", q("User " + c.user()),
		"role", q("member"), "kind", q("member"), "password", q(""), "teams", "[]", "activate", "true"}, key, value)
	return rawObject(m...)
}

// emailShape makes an e-mail address of v whose domain is the case's own
// (so that no two cases share an address): v's text is the local part, or
// a probe is the whole address at its length.
func emailShape(v hostileValue, c *hostileCase) string {
	domain := fmt.Sprintf("@e-%d.example", c.n)
	if v.probe > 0 {
		return strings.Repeat(string(v.probeRune), max(1, v.probe-len(domain))) + domain
	}
	return v.text + domain
}

// trimmed is a name's documented normal form: surrounding white space trimmed.
func trimmed(s string) string { return strings.TrimSpace(s) }

// lowered is an e-mail's documented normal form: trimmed and lower-cased,
// bytes that are not UTF-8 left as they are.
func lowered(s string) string {
	var b strings.Builder
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(s[i])
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		i += size
	}
	return b.String()
}

// attempt sends a setup request whose outcome depends on the value (an id
// that may be refused): any answer but a 5xx will do.
func (h *hostileRun) attempt(t testing.TB, method, path, body string) {
	t.Helper()
	if got := call(t, h.base, method, path, "op-token", body); got.Status >= http.StatusInternalServerError {
		t.Errorf("%s %s with body %s answered %d: %s", method, path, shortQuote(body), got.Status, got.Raw)
	}
}

// carry sends the request that carries a case's value, as the operator;
// try judges the answer.
func (h *hostileRun) carry(t testing.TB, method, path, body string) reply {
	t.Helper()
	return call(t, h.base, method, path, "op-token", body)
}

// must sends a setup request that has to succeed.
func (h *hostileRun) must(t testing.TB, c *hostileCase, method, path, body string) reply {
	t.Helper()
	got := h.send(t, method, "/v1/tenants/"+c.tenant+path, "op-token", body)
	if got.Status >= 300 {
		t.Fatalf("%s: setup %s %s answered %d: %s", c, method, path, got.Status, got.Raw)
	}
	return got
}

// op is carry in the case's tenant.
func (h *hostileRun) op(t testing.TB, c *hostileCase, method, path, body string) reply {
	t.Helper()
	return h.carry(t, method, "/v1/tenants/"+c.tenant+path, body)
}

// invite invites the case's user (active) as setup.
func (h *hostileRun) invite(t testing.TB, c *hostileCase) {
	t.Helper()
	h.must(t, c, "POST", "/users", inviteBody(c, "", ""))
}

// reader reads through the API what accepted cases wrote, at the position
// of the last of them, each list once.
type reader struct {
	h        *hostileRun
	position string
	lists    map[string][]any
}

// reader reads what c and the cases before it wrote.
func (h *hostileRun) reader(c *hostileCase) *reader {
	return &reader{h: h, position: c.reply.str("position"), lists: map[string][]any{}}
}

// get GETs path (no query) once the read models have reached the position.
func (r *reader) get(t testing.TB, path string) any {
	t.Helper()
	return r.h.readAt(t, path+"?min_position="+url.QueryEscape(r.position))
}

// list is every item of a list endpoint ("/v1/tenants/t/teams"), all pages.
func (r *reader) list(t testing.TB, path string) []any {
	t.Helper()
	if items, ok := r.lists[path]; ok {
		return items
	}
	var items []any
	for cursor := ""; ; {
		page := r.h.readAt(t, path+"?limit=500&min_position="+url.QueryEscape(r.position)+cursor)
		more, _ := at(page, "items").([]any)
		items = append(items, more...)
		next, _ := at(page, "next_cursor").(string)
		if next == "" {
			r.lists[path] = items
			return items
		}
		cursor = "&cursor=" + url.QueryEscape(next)
	}
}

// tenantRead reads a field of the case's tenant.
func tenantRead(key string) func(r *reader, t testing.TB, c *hostileCase) []string {
	return func(r *reader, t testing.TB, c *hostileCase) []string {
		return leaves(at(r.get(t, "/v1/tenants/"+url.PathEscape(c.tenant)), key))
	}
}

// listRead reads a field of the item of a list of the case's tenant
// ("/users", "/teams", "/work") whose id is id(c).
func listRead(list, key string, id func(c *hostileCase) string) func(r *reader, t testing.TB, c *hostileCase) []string {
	return func(r *reader, t testing.TB, c *hostileCase) []string {
		for _, it := range r.list(t, "/v1/tenants/"+c.tenant+list) {
			if at(it, "id") == id(c) {
				return leaves(at(it, key))
			}
		}
		return nil
	}
}

// userRead reads a field of a user of the case's tenant; user nil means
// the case's own.
func userRead(key string, user func(c *hostileCase) string) func(r *reader, t testing.TB, c *hostileCase) []string {
	if user == nil {
		user = (*hostileCase).user
	}
	return listRead("/users", key, user)
}

// auditReasons reads the reasons of the audit trail of the case's tenant:
// where the API shows a reason (a user's history is a filter of it).
func auditReasons(r *reader, t testing.TB, c *hostileCase) []string {
	var reasons []string
	for _, entry := range r.list(t, "/v1/tenants/"+c.tenant+"/audit") {
		reasons = append(reasons, leaves(at(entry, "reason"))...)
	}
	return reasons
}

// loginWith logs in with e-mail and the case's value as password: the value
// reads back when the login succeeds.
func loginWith(email func(c *hostileCase) string) func(r *reader, t testing.TB, c *hostileCase) []string {
	return func(r *reader, t testing.TB, c *hostileCase) []string {
		got := call(t, r.h.base, "POST", "/v1/tenants/"+url.PathEscape(c.tenant)+"/sessions", "",
			rawObject("email", q(email(c)), "password", c.raw()))
		if got.Status != http.StatusCreated {
			return []string{fmt.Sprintf("(login answered %d %s)", got.Status, got.code())}
		}
		return []string{c.text}
	}
}

// asID is the case's value where it is an id; owner the owner's id.
func (c *hostileCase) asID() string  { return c.text }
func (c *hostileCase) owner() string { return hostileOwner }
