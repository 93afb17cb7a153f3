package webhooks_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/webhooks"
)

// refusedURL checks that err refuses the url field as invalid.
func refusedURL(t *testing.T, url string, err error) {
	t.Helper()
	var refusal *domain.Error
	if !errors.As(err, &refusal) || refusal.Code != domain.CodeInvalid || refusal.Field != "url" {
		t.Errorf("%s: %v; want invalid url", url, err)
	}
}

func TestURLsToInternalAddressesAreRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	opts := w.options()
	opts.AllowPrivate = false
	s := w.store(opts)
	for _, url := range []string{
		"http://127.0.0.1:8080/hook", "http://127.1.2.3/", "http://[::1]/", "http://localhost/", // loopback, by name too
		"http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://[fd00::1]/", "http://[fc00::1]/", // private
		"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", // link-local (cloud metadata)
		"http://0.0.0.0/", "http://[::]/", "http://224.0.0.1/", "http://[ff02::1]/", // unspecified, multicast
		"http://100.64.0.1/", "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a00:1]/", "http://255.255.255.255/", // shared, mapped, NAT64, broadcast
		"ftp://93.184.216.34/", "93.184.216.34/hook", "http:///path", "", "http://user:pw@93.184.216.34/", "http://93.184.216.34/#x",
	} {
		_, _, err := s.CreateEndpoint(bg, "acme", webhooks.NewEndpoint{URL: url, Enabled: true})
		refusedURL(t, url, err)
	}
	e, _, err := s.CreateEndpoint(bg, "acme", webhooks.NewEndpoint{URL: "https://93.184.216.34:8443/hook", Enabled: true})
	if err != nil {
		t.Fatalf("a public address: %v", err)
	}
	loopback := "http://127.0.0.1/"
	_, err = s.UpdateEndpoint(bg, "acme", e.ID, webhooks.EndpointChange{URL: &loopback})
	refusedURL(t, loopback, err)

	allowed := w.store(w.options())
	if _, _, err := allowed.CreateEndpoint(bg, "acme", webhooks.NewEndpoint{URL: "http://127.0.0.1:8080/hook"}); err != nil {
		t.Errorf("loopback with AllowPrivate: %v", err)
	}
}

// A URL saved while it led somewhere public may lead inside later (a DNS
// answer that changed): the check when connecting refuses it all the same.
func TestConnectionsToInternalAddressesAreRefusedWhenSent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rc := newReceiver(t, nil)
	e, _ := endpoint(t, w.store(w.options()), "acme", rc.URL) // saved while allowed
	opts := w.options()
	opts.AllowPrivate = false
	strict := w.store(opts)
	run(t, strict)
	w.publish(t, "acme", "user.blocked.v1")

	var attempts []webhooks.Attempt
	eventually(t, 10*time.Second, "a refused attempt", func() bool {
		d := deliveries(t, strict, e)
		if len(d) == 0 || len(d[0].Attempts) == 0 {
			return false
		}
		attempts = d[0].Attempts
		return true
	})
	if a := attempts[0]; a.StatusCode != 0 || !strings.Contains(a.Error, "loopback") {
		t.Errorf("attempt %+v; want no answer, refused as loopback", a)
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("the loopback receiver got %d requests", n)
	}
}
