package hooks

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Staff type endpoint URLs into the admin SPA, and the server then POSTs
// to them from inside the store's network: without a guard, an endpoint
// such as http://169.254.169.254/ (a cloud's metadata service) or
// http://10.0.0.5:8080/admin turns the webhook log, which shows each
// answer's first bytes, into a way to read internal services (server-side
// request forgery). The guard refuses such addresses twice: at save, for
// a URL whose host is an IP literal or "localhost" (a clear error at the
// field), and at connect time, for whatever a host name resolves to then
// (DNS can change after the save, or answer differently per query), so
// the address checked is the address dialed. Config.AllowPrivate turns it
// off: development mode, tests, and stores whose own systems live on a
// private network (-webhook-allow-private).

// errPrivateAddress is the attempt's error when the guard refuses a dial.
var errPrivateAddress = errors.New("the endpoint's address is loopback, private or link-local; refused (-webhook-allow-private allows it)")

// cgnat is the shared address space of carrier-grade NAT (RFC 6598):
// not public, and netip has no predicate for it.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip is a public unicast address: not
// loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 with the
// metadata services, fe80::/10), CGNAT, multicast or unspecified.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip)
}

// guardedDialer dials only public addresses: its Control runs after name
// resolution, on the very address about to be connected.
func guardedDialer() *net.Dialer {
	return &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !publicAddr(ap.Addr()) {
				return errPrivateAddress
			}
			return nil
		},
	}
}

// privateHost reports whether a URL's host names a non-public address
// outright: an IP literal that is not public, or localhost.
func privateHost(host string) bool {
	if ip, err := netip.ParseAddr(host); err == nil {
		return !publicAddr(ip)
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}
