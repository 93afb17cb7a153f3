package personaldata

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestScanFindsTheRawPIIAndTheUserWhateverTheLayout(t *testing.T) {
	t.Parallel()
	for _, payload := range []string{
		`{"user":"u-1","pii":{"email":"a@b.c"}}`,
		`{ "pii" : {"email":"a@b.c"} , "user" : "u-1" }`,
		`{"n":12,"pii":{"email":"a@b.c"},"x":[1,{"pii":2}],"user":"u-1","m":3.5e2}`,
		"{\n\t\"user\": \"u-1\",\n\t\"pii\":{\"email\":\"a@b.c\"}\n}",
	} {
		f, err := scanFields([]byte(payload))
		if err != nil {
			t.Errorf("%s: %v", payload, err)
			continue
		}
		if got := payload[f.pii.start:f.pii.end]; got != `{"email":"a@b.c"}` || f.user != "u-1" {
			t.Errorf("%s: pii %q, user %q", payload, got, f.user)
		}
	}
}

func TestScanIgnoresNestedAndQuotedPII(t *testing.T) {
	t.Parallel()
	for _, payload := range []string{`{"x":{"pii":{"email":"a"}}}`, `{"note":"\"pii\":1"}`, `[{"pii":1}]`, `"pii"`, `{"pii":null,"user":"u"}`} {
		f, err := scanFields([]byte(payload))
		if err != nil || f.hasPII([]byte(payload)) {
			t.Errorf("%s: found pii (%v)", payload, err)
		}
	}
}

// encoding/json matches keys case-insensitively, so "PII" would reach
// domain.PersonalData: it must not slip past sealing.
func TestDuplicateOrOddlySpelledPIIOrUserIsRefused(t *testing.T) {
	t.Parallel()
	for _, payload := range []string{
		`{"user":"u","pii":{},"pii":{}}`,
		`{"user":"u","PII":{"email":"a"}}`,
		`{"user":"u","p\u0069i":{"email":"a"}}`,
		`{"user":"u","User":"v","pii":{}}`,
		`{"user":"u","pii":{}`,
		`{"user":"u"} {}`,
		`{"user":"u" "pii":{}}`,
		`{"user":"u","pii":{"a":"b}}`,
		`{"user":"u","pii":}`,
	} {
		if _, err := scanFields([]byte(payload)); err == nil {
			t.Errorf("%s: accepted", payload)
		}
	}
}

func TestSealedValuesRoundTripAndNothingElseParses(t *testing.T) {
	t.Parallel()
	sealed := []byte{0, 1, 2, 250, 251, 252}
	got, ok := parseSealedValue(sealedValue(sealed))
	if !ok || string(got) != string(sealed) {
		t.Fatalf("round trip gave %v, %v", got, ok)
	}
	for _, v := range []string{`{"email":"a"}`, `{"sealed":"!!"}`, `{"sealed":"AA==","x":1}`, `{"erased":true}`} {
		if _, ok := parseSealedValue([]byte(v)); ok {
			t.Errorf("%s parsed as sealed", v)
		}
	}
}

func TestSpliceReplacesOnlyTheSpan(t *testing.T) {
	t.Parallel()
	payload := []byte(`{"a" : 1,"pii":{"x":"y"},  "b":[2]}`)
	f, _ := scanFields(payload)
	if got := string(splice(payload, f.pii, []byte(`{"erased":true}`))); got != `{"a" : 1,"pii":{"erased":true},  "b":[2]}` {
		t.Fatalf("got %s", got)
	}
	if !strings.Contains(string(payload), `{"x":"y"}`) {
		t.Fatal("splice modified its input")
	}
}

// Associated data binds sealed data to its person: the same key does not
// open it for another user or tenant.
func TestSealedDataOpensOnlyForItsPerson(t *testing.T) {
	t.Parallel()
	aead, err := newAEAD(randomKey())
	if err != nil {
		t.Fatal(err)
	}
	a := UserRef{Tenant: "t1", User: "a"}
	sealed := seal(aead, []byte(`{"email":"a@b.c"}`), a.associatedData())
	if _, err := open(aead, sealed, a.associatedData()); err != nil {
		t.Fatalf("does not open for its own person: %v", err)
	}
	for _, other := range []UserRef{{"t1", "b"}, {"t2", "a"}, {"t1\x00", ""}, {"t", "1\x00a"}} {
		if _, err := open(aead, sealed, other.associatedData()); err == nil {
			t.Errorf("opens for %q", other)
		}
	}
}

// FuzzScanFields checks the hand-written scanner against encoding/json, the
// decoder that readers use, on every valid JSON object it accepts.
func FuzzScanFields(f *testing.F) {
	for _, seed := range []string{
		`{"user":"u-1","pii":{"email":"a@b.c"}}`, `{ "pii" : [1,"]}"] , "user" : "\u0075" }`,
		`{"n":-1.5e3,"x":{"pii":{"user":1}},"pii":null,"user":true}`, `{"a":"\\\"","pii":"}{"}`, `{}`, `[]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, err := scanFields(payload)
		var want struct {
			PII  json.RawMessage `json:"pii"`
			User any             `json:"user"`
		}
		if err != nil || !json.Valid(payload) || json.Unmarshal(payload, &want) != nil {
			return
		}
		gotPII := ""
		if got.pii.found() {
			gotPII = string(payload[got.pii.start:got.pii.end])
		}
		wantUser, _ := want.User.(string)
		if gotPII != string(want.PII) || got.user != wantUser {
			t.Fatalf("%s: scanned pii %q user %q, encoding/json gives %q, %q", payload, gotPII, got.user, want.PII, wantUser)
		}
	})
}
