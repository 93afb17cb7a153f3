package access_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/rosterhq/roster/commands/access"
)

func clientOf(t *testing.T, c access.ClientAddresses, peer string, headers ...string) string {
	t.Helper()
	r := httptest.NewRequest("POST", "/v1/tenants/acme/sessions", nil)
	r.RemoteAddr = peer
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return c.Of(r)
}

func TestWithNoTrustedProxyTheClientIsThePeerWhateverItsHeadersSay(t *testing.T) {
	t.Parallel()
	var none access.ClientAddresses
	if got := clientOf(t, none, "192.0.2.7:5555", "X-Forwarded-For", "203.0.113.9", "Forwarded", "for=203.0.113.10"); got != "192.0.2.7" {
		t.Fatalf("client %s, want the peer 192.0.2.7", got)
	}
	if got := clientOf(t, none, "[2001:db8::1%eth0]:443"); got != "2001:db8::1" {
		t.Fatalf("client %s, want 2001:db8::1", got)
	}
}

func TestBehindATrustedProxyTheClientIsTheRightmostAddressThatIsNotAProxy(t *testing.T) {
	t.Parallel()
	xff, err := access.NewClientAddresses(prefixes("10.0.0.0/8", "192.0.2.1/32"), "X-Forwarded-For")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		peer    string
		headers []string
		want    string
	}{
		"one proxy":                      {"10.1.2.3:80", []string{"X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
		"two proxies":                    {"192.0.2.1:80", []string{"X-Forwarded-For", "203.0.113.9, 10.0.0.2"}, "203.0.113.9"},
		"a client's forged entry":        {"10.1.2.3:80", []string{"X-Forwarded-For", "1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		"header lines in order":          {"10.1.2.3:80", []string{"X-Forwarded-For", "1.2.3.4", "X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
		"an untrusted peer's header":     {"198.51.100.5:80", []string{"X-Forwarded-For", "203.0.113.9"}, "198.51.100.5"},
		"the other header is ignored":    {"10.1.2.3:80", []string{"Forwarded", "for=203.0.113.9"}, "10.1.2.3"},
		"only proxies named":             {"10.1.2.3:80", []string{"X-Forwarded-For", "10.0.0.9"}, "10.1.2.3"},
		"garbage where the client is":    {"10.1.2.3:80", []string{"X-Forwarded-For", "1.2.3.4, not-an-address"}, "10.1.2.3"},
		"IPv6 client":                    {"10.1.2.3:80", []string{"X-Forwarded-For", "2001:db8::7"}, "2001:db8::7"},
		"a mapped IPv4 peer that is one": {"[::ffff:10.1.2.3]:80", []string{"X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
	} {
		if got := clientOf(t, xff, c.peer, c.headers...); got != c.want {
			t.Errorf("%s: client %s, want %s", name, got, c.want)
		}
	}
	forwarded, err := access.NewClientAddresses(prefixes("10.0.0.0/8"), "Forwarded")
	if err != nil {
		t.Fatal(err)
	}
	if got := clientOf(t, forwarded, "10.1.2.3:80", "Forwarded", `for=1.2.3.4, for="[2001:db8::7]:4711";proto=https`,
		"X-Forwarded-For", "203.0.113.9"); got != "2001:db8::7" {
		t.Fatalf("Forwarded: client %s, want 2001:db8::7", got)
	}
}

func TestOnlyTheTwoForwardingHeadersCanBeTrusted(t *testing.T) {
	t.Parallel()
	if _, err := access.NewClientAddresses(prefixes("10.0.0.1/32"), "X-Real-IP"); err == nil {
		t.Error("X-Real-IP was accepted")
	}
}

func prefixes(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(s))
	for i, p := range s {
		out[i] = netip.MustParsePrefix(p)
	}
	return out
}
