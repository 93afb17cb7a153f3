package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster/infra/wiring"
)

// bystander is the tenant whose new users must keep reading back whatever
// the hostile values did to the others.
const bystander = "bystander"

// Every text field and number the write API takes, fed every hostile value,
// is either refused with 400 invalid or accepted; and what is accepted is
// stored as events that decode to what was stored, is applied by every
// projector (another tenant's new user still reads back), reads back through
// the API exactly as written (or in the field's documented normal form), and
// shows in the audit trail's JSON and JSON Lines exactly as written, and in
// its CSV as written but neutralised for spreadsheets (audit.CSVCell).
// The property holds whatever the validation rules are: it never says which
// values are valid, only that a value is refused cleanly or kept intact.
func TestEveryHostileValueIsRefusedAsInvalidOrKeptExactlyAsWritten(t *testing.T) {
	t.Parallel()
	h := newHostileRun(t)
	t.Run("fields", func(t *testing.T) {
		for _, field := range hostileFields() {
			t.Run(field.name, func(t *testing.T) {
				t.Parallel()
				values := hostileTexts()
				if field.number {
					values = hostileNumbers()
				}
				tenant := ""
				if !field.tenantPerCase {
					tenant = h.fieldTenant(t, field, "h-"+strings.NewReplacer(".", "-", "_", "-", " ", "-").Replace(field.name))
				}
				h.checkAccepted(t, h.tryAll(t, field, values, tenant))
				h.requireHealthyProjectors(t)
			})
		}
	})
	h.requireProjected(t)
}

// FuzzHostileValuesRoundTrip is the property of
// TestEveryHostileValueIsRefusedAsInvalidOrKeptExactlyAsWritten for any
// value the fuzzer makes: selector picks the field (hostileFields' order,
// which the corpus relies on), text is the value of a text field (sent with
// its non-ASCII characters as \u escapes when escaped), number the value of
// a number field. Each input runs in a tenant of its own.
func FuzzHostileValuesRoundTrip(f *testing.F) {
	h := newHostileRun(f)
	fields := hostileFields()
	seedHostileValues(f, fields)
	f.Fuzz(func(t *testing.T, selector uint8, text string, escaped bool, number float64) {
		field := fields[int(selector)%len(fields)]
		if field.number && (math.IsNaN(number) || math.IsInf(number, 0)) {
			return // JSON has no literal for them: not a value a client can send
		}
		v := hostileValue{label: "fuzzed", text: text, escaped: escaped, number: strconv.FormatFloat(number, 'f', -1, 64)}
		tenant := ""
		if !field.tenantPerCase {
			tenant = h.fieldTenant(t, field, fmt.Sprintf("z-%d", h.cases.Add(1)))
		}
		h.checkAccepted(t, h.tryAll(t, field, []hostileValue{v}, tenant))
		h.requireProjected(t)
	})
}

// seedHostileValues seeds the fuzzer with the generator's values, each
// into a field of its kind, round the fields.
func seedHostileValues(f *testing.F, fields []*hostileField) {
	var texts, numbers []uint8
	for i, field := range fields {
		if field.number {
			numbers = append(numbers, uint8(i))
		} else {
			texts = append(texts, uint8(i))
		}
	}
	for i, v := range hostileTexts() {
		f.Add(texts[i%len(texts)], v.text, v.escaped, 0.0)
	}
	for i, v := range hostileNumbers() {
		number, _ := strconv.ParseFloat(v.number, 64)
		f.Add(numbers[i%len(numbers)], "", false, number)
	}
}

// hostileRun is one service fed hostile values: its HTTP surface, and its
// services, to read the event store and export the audit trail as the
// operator's tools do.
type hostileRun struct {
	*fuzzWorld
	svc   *wiring.Services
	cases atomic.Int64 // numbers cases, so that their ids and e-mails are unique
	mu    sync.Mutex
	taken map[string]bool // tenant ids created: a fuzz input may try one again
	// broken says how an earlier case stopped the whole read side (a read
	// model that no longer moves, a projector failed for every tenant):
	// later cases fail at once, instead of each waiting for it in vain.
	broken string
}

// newHostileRun starts a service on a fresh database, with the bystander tenant.
func newHostileRun(t testing.TB) *hostileRun {
	svc, base := fuzzServer(t)
	h := &hostileRun{fuzzWorld: &fuzzWorld{base: base}, svc: svc, taken: map[string]bool{}}
	h.fieldTenant(t, &hostileField{}, bystander)
	return h
}

// fieldTenant creates tenant (owner "boss", seats not enforced, so that
// invitations never run out) and what field's cases need in it.
func (h *hostileRun) fieldTenant(t testing.TB, field *hostileField, tenant string) string {
	t.Helper()
	h.mu.Lock()
	h.taken[tenant] = true
	h.mu.Unlock()
	c := &hostileCase{tenant: tenant, n: h.cases.Add(1)}
	expect(t, "create tenant "+tenant, h.send(t, "POST", "/v1/tenants", "op-token", tenantBody(c, "", "")), http.StatusCreated, "")
	if field.setup != nil {
		field.setup(h, t, tenant)
	}
	return tenant
}

// tryAll sends each value into field and reads back those accepted, which
// it returns. They are read back once all are sent, at the last one's
// position (the reads then wait for the projectors once, not once a value),
// but where the cases share what they write, each before the next.
func (h *hostileRun) tryAll(t testing.TB, field *hostileField, values []hostileValue, tenant string) []*hostileCase {
	t.Helper()
	h.requireUnbroken(t)
	var accepted []*hostileCase
	for _, v := range values {
		c := h.try(t, field, v, tenant)
		if c == nil {
			continue
		}
		accepted = append(accepted, c)
		if field.shared {
			h.readBack(t, h.reader(c), c)
		}
	}
	if len(accepted) > 0 && !field.shared {
		r := h.reader(accepted[len(accepted)-1])
		for _, c := range accepted {
			h.readBack(t, r, c)
		}
	}
	return accepted
}

// try sends v into field and returns the case if it was accepted, nil if it
// was refused with 400 invalid; any other answer fails the test.
func (h *hostileRun) try(t testing.TB, field *hostileField, v hostileValue, tenant string) *hostileCase {
	t.Helper()
	c := &hostileCase{field: field, value: v, tenant: tenant, n: h.cases.Add(1)}
	c.text = field.shaped(v, c)
	if field.path && c.text == "" {
		return nil // an empty path segment makes another route, not a value
	}
	if field.tenantPerCase && !h.claimTenant(c) {
		return nil // a tenant of this id exists: a fuzz input repeats one
	}
	c.reply = field.send(h, t, c)
	switch {
	case c.reply.Status == http.StatusBadRequest && c.reply.code() == "invalid":
		return nil
	case c.reply.Status >= 200 && c.reply.Status < 300 && field.emptyIsAbsent && c.text == "":
		return nil
	case c.reply.Status >= 200 && c.reply.Status < 300:
		return c
	}
	t.Errorf("%s: answered %d, neither 400 invalid nor accepted: %s", c, c.reply.Status, c.reply.Raw)
	return nil
}

// claimTenant names the tenant of a case that creates its own, and reports
// whether no earlier case took that id.
func (h *hostileRun) claimTenant(c *hostileCase) bool {
	c.tenant = fmt.Sprintf("c-%d", c.n)
	if c.field.tenantIsValue {
		c.tenant = c.text
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.taken[c.tenant] {
		return false
	}
	h.taken[c.tenant] = true
	return true
}

// readBack checks that an accepted value reads back through the API exactly
// as written, or in the field's documented normal form.
func (h *hostileRun) readBack(t testing.TB, r *reader, c *hostileCase) {
	t.Helper()
	if c.field.read == nil {
		return
	}
	got := c.field.read(r, t, c)
	for _, g := range got {
		if c.keeps(g) {
			return
		}
	}
	t.Errorf("%s: accepted, then read back as %s", c, quoteAll(got))
}

// checkAccepted checks, once cases are done, what the event store and the
// audit trail made of the accepted ones, tenant by tenant (see checkStored).
func (h *hostileRun) checkAccepted(t testing.TB, accepted []*hostileCase) {
	t.Helper()
	byTenant := map[string][]*hostileCase{}
	var order []string
	for _, c := range accepted {
		if byTenant[c.tenant] == nil {
			order = append(order, c.tenant)
		}
		byTenant[c.tenant] = append(byTenant[c.tenant], c)
	}
	for _, tenant := range order {
		h.checkStored(t, byTenant[tenant])
	}
}

// requireProjected fails unless a user invited in the bystander tenant now
// reads back at its position from every read model, and no projector
// reports a failure.
func (h *hostileRun) requireProjected(t testing.TB) {
	t.Helper()
	id := fmt.Sprintf("b-%d", h.cases.Add(1))
	invited := expect(t, "invite "+id+" in the bystander tenant", h.send(t, "POST", "/v1/tenants/"+bystander+"/users", "op-token",
		rawObject("id", q(id), "email", q(id+"@bystander.example"), "name", q("Bystander"), "role", q("member"))), http.StatusCreated, "")
	at := "?min_position=" + url.QueryEscape(invited.str("position"))
	for _, path := range []string{"", "/users/" + id, "/teams", "/work", "/audit"} {
		h.readAt(t, "/v1/tenants/"+bystander+path+at)
	}
	h.requireHealthyProjectors(t)
}

// readAt GETs path as the operator and returns its JSON (numbers as
// json.Number); any answer but 200 fails the test, saying how the
// projectors are (a lagging read is often a projector stuck on an event).
func (h *hostileRun) readAt(t testing.TB, path string) any {
	t.Helper()
	h.requireUnbroken(t)
	got := call(t, h.base, "GET", path, "op-token", nil)
	if got.Status != http.StatusOK {
		h.requireHealthyProjectors(t)
		// A lagging read model stops every tenant; anything else is this read's.
		h.fail(t, got.Status == http.StatusGatewayTimeout, fmt.Sprintf("GET %s answered %d: %s\nprojections: %s", path, got.Status, got.Raw, h.projections(t).Raw))
	}
	return decodeNumbers(t, got.Raw)
}

// fail fails the test, first recording, if the failure stops the whole read
// side, why it is broken.
func (h *hostileRun) fail(t testing.TB, whole bool, why string) {
	t.Helper()
	h.mu.Lock()
	if whole && h.broken == "" {
		h.broken = why
	}
	h.mu.Unlock()
	t.Fatal(why)
}

// requireUnbroken fails at once if an earlier case broke the read side.
func (h *hostileRun) requireUnbroken(t testing.TB) {
	t.Helper()
	h.mu.Lock()
	broken := h.broken
	h.mu.Unlock()
	if broken != "" {
		t.Fatalf("an earlier case left the read side broken: %s", broken)
	}
}

// requireHealthyProjectors fails if any projector is failed, has an error,
// or lists failed tenants (the field milestone 2 adds; a failure there
// stops only its tenant).
func (h *hostileRun) requireHealthyProjectors(t testing.TB) {
	t.Helper()
	items, _ := h.projections(t).Body["items"].([]any)
	for _, it := range items {
		p, _ := it.(map[string]any)
		failed, _ := p["failed_tenants"].([]any)
		if whole := p["state"] == "failed" || p["error"] != nil; whole || len(failed) > 0 {
			h.fail(t, whole, fmt.Sprintf("projector %v is not healthy: state %v, error %v, failed tenants %v", p["name"], p["state"], p["error"], failed))
		}
	}
}

// projections is GET /v1/projections.
func (h *hostileRun) projections(t testing.TB) reply {
	t.Helper()
	return expect(t, "GET /v1/projections", call(t, h.base, "GET", "/v1/projections", "op-token", nil), http.StatusOK, "")
}

// decodeNumbers parses JSON with numbers kept as their literals.
func decodeNumbers(t testing.TB, raw string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, raw)
	}
	return v
}

// leaves are the strings and numbers (as literals) anywhere in v.
func leaves(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case json.Number:
		return []string{v.String()}
	case []any:
		var all []string
		for _, e := range v {
			all = append(all, leaves(e)...)
		}
		return all
	case map[string]any:
		var all []string
		for _, e := range v {
			all = append(all, leaves(e)...)
		}
		return all
	}
	return nil
}

// at is the value at a dotted path of objects in v (nil if absent).
func at(v any, path string) any {
	for _, key := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[key]
	}
	return v
}

// quoteAll renders texts for a failure message, invisible characters shown.
func quoteAll(texts []string) string {
	var b bytes.Buffer
	for i, s := range texts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(shortQuote(s))
	}
	return "[" + b.String() + "]"
}

// shortQuote quotes s (Go syntax, so that every byte shows), cut at 120 bytes.
func shortQuote(s string) string {
	if len(s) > 120 {
		return strconv.Quote(s[:120]) + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return strconv.Quote(s)
}
