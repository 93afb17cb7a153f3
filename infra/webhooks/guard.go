package webhooks

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/rosterhq/roster/domain"
)

// maxURLLength bounds a stored URL.
const maxURLLength = 2048

// resolveTimeout bounds the look-up of a URL's host when it is saved.
const resolveTimeout = 5 * time.Second

// internalRanges are the ranges netip's predicates do not name that still
// lead inside a network or nowhere public.
var internalRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT, shared
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: would reach any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"), // local NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4: embeds any IPv4 address
	netip.MustParsePrefix("2001::/32"),      // Teredo: likewise
	netip.MustParsePrefix("100::/64"),       // discard-only
}

// internal says why addr is not a public address, or "" when it is one.
func internal(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback():
		return "loopback"
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "link-local"
	case addr.IsPrivate():
		return "private"
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsMulticast():
		return "multicast"
	}
	for _, p := range internalRanges {
		if p.Contains(addr) {
			return "reserved"
		}
	}
	return ""
}

// guard decides which URLs and addresses deliveries may reach.
type guard struct {
	allowPrivate bool
	resolver     *net.Resolver
}

// checkURL refuses, as an invalid "url" field, a URL that is not absolute
// http(s), carries credentials or a fragment, or whose host is or resolves
// to an internal address (unless allowed). It returns the URL as parsed
// and printed back.
func (g guard) checkURL(ctx context.Context, raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case raw == "":
		return "", domain.InvalidField("url", "url is required")
	case len(raw) > maxURLLength:
		return "", domain.InvalidField("url", "url is longer than %d characters", maxURLLength)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		return "", domain.InvalidField("url", "url must be an absolute http or https URL")
	case u.User != nil:
		return "", domain.InvalidField("url", "url must not carry credentials: receivers authenticate deliveries by their signature")
	case u.Fragment != "" || u.RawFragment != "":
		return "", domain.InvalidField("url", "url must not have a fragment")
	}
	if g.allowPrivate {
		return u.String(), nil
	}
	return u.String(), g.checkHost(ctx, u.Hostname())
}

// checkHost refuses a host that is, or resolves to, an internal address.
func (g guard) checkHost(ctx context.Context, host string) error {
	if addr, err := netip.ParseAddr(host); err == nil {
		if why := internal(addr); why != "" {
			return domain.InvalidField("url", "url points at a %s address, which webhooks may not reach", why)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return domain.InvalidField("url", "the host of url, %s, does not resolve", host)
	}
	for _, a := range addrs {
		if why := internal(a); why != "" {
			return domain.InvalidField("url", "the host of url, %s, resolves to a %s address, which webhooks may not reach", host, why)
		}
	}
	return nil
}

// control is net.Dialer's Control: it runs once the name is resolved, for
// the very address about to be connected to, so that no answer of the DNS
// (however it changed since the URL was saved) leads inside.
func (g guard) control(_, address string, _ syscall.RawConn) error {
	if g.allowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhooks: refusing to connect to %q: not an address", address)
	}
	if why := internal(ap.Addr()); why != "" {
		return fmt.Errorf("webhooks: refusing to connect to %s: a %s address", ap.Addr(), why)
	}
	return nil
}
