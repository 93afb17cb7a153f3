package access

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"

	"github.com/realclientip/realclientip-go"
)

// ClientAddresses tells the address of the client a request comes from —
// the one place that does, for the limits on logins and anything else that
// needs it. It is the connection's peer, unless the peer is one of the
// trusted proxies: then the right-most address of the forwarding header the
// proxies set that is not itself a trusted proxy (each proxy appends the
// address it saw; what the client wrote is to its left). From any other
// peer the forwarding headers are ignored, since any client can write
// them. The zero value trusts no proxy.
type ClientAddresses struct {
	trusted  []netip.Prefix
	strategy realclientip.Strategy // nil when no proxy is trusted
}

// NewClientAddresses trusts the proxies in the address ranges trusted to
// set header, which is "X-Forwarded-For" or "Forwarded" (RFC 7239): the
// one the proxies write, the other being ignored as any client's words.
func NewClientAddresses(trusted []netip.Prefix, header string) (ClientAddresses, error) {
	if len(trusted) == 0 {
		return ClientAddresses{}, nil
	}
	nets := make([]net.IPNet, len(trusted))
	for i, p := range trusted {
		nets[i] = net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
	}
	strategy, err := realclientip.NewRightmostTrustedRangeStrategy(header, nets)
	if err != nil {
		return ClientAddresses{}, fmt.Errorf("forwarded header: %w", err)
	}
	return ClientAddresses{trusted: trusted, strategy: strategy}, nil
}

// Of is the address (without port or zone) of r's client. A trusted proxy
// whose header names no untrusted address (none, or only proxies) is itself
// the client.
func (c ClientAddresses) Of(r *http.Request) string {
	peer := peerAddress(r)
	if c.strategy == nil || !c.isTrusted(peer) {
		return peer
	}
	if client := c.strategy.ClientIP(r.Header, r.RemoteAddr); client != "" {
		if ip, err := netip.ParseAddr(client); err == nil {
			return ip.WithZone("").Unmap().String()
		}
	}
	return peer
}

func (c ClientAddresses) isTrusted(peer string) bool {
	ip, err := netip.ParseAddr(peer)
	if err != nil {
		return false
	}
	for _, p := range c.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// peerAddress is the connection's peer address, without port or zone.
func peerAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.WithZone("").Unmap().String()
	}
	return host
}
