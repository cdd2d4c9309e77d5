package wsproto

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gobwas/ws"
	"github.com/jonboulle/clockwork"
)

// Subprotocol is the only websocket subprotocol the transport speaks:
// graphql-ws's graphql-transport-ws.
const Subprotocol = "graphql-transport-ws"

// Close codes of the graphql-transport-ws protocol (graphql-ws CloseCode).
const (
	// CloseBadRequest: an invalid or unexpected message.
	CloseBadRequest = 4400
	// CloseUnauthorized: subscribe before the server acknowledged the connection.
	CloseUnauthorized = 4401
	// CloseForbidden: the connection_init payload was rejected, or the
	// credential it carried has expired (see WithExpiry).
	CloseForbidden = 4403
	// CloseConnectionInitTimeout: no connection_init within the init timeout.
	CloseConnectionInitTimeout = 4408
	// CloseSubscriberAlreadyExists: subscribe with an id that is still active.
	CloseSubscriberAlreadyExists = 4409
	// CloseTooManyInitRequests: a second connection_init.
	CloseTooManyInitRequests = 4429
)

// Defaults used when the corresponding Transport field is zero.
const (
	// DefaultInitTimeout is graphql-ws's own default connectionInitWaitTimeout.
	DefaultInitTimeout = 3 * time.Second
	// DefaultPingInterval is how often the server pings an idle connection.
	DefaultPingInterval = 15 * time.Second
	// DefaultPongTimeout is how long a client has to answer a ping.
	// graphql-ws clients answer at once; 10 s leaves room for a phone on
	// a poor network, and keeps DropAfter at 27 s with the default
	// interval.
	DefaultPongTimeout = 10 * time.Second
	// DefaultMaxSubscriptions bounds what one socket can make the server run.
	DefaultMaxSubscriptions = 100
	// DefaultReadLimit bounds one client message (a subscribe with its query).
	DefaultReadLimit = 64 << 10
)

// Write queue bounds per connection; see conn.send.
const (
	// backlogBytes: above this many queued bytes a connection is
	// backlogged, and push senders stop writing to it until it drains.
	backlogBytes = 256 << 10
	// drainedBytes: a backlogged connection counts as drained below this.
	drainedBytes = 32 << 10
	// maxQueuedBytes: a connection whose queue grows past this is closed.
	// Push senders stop at backlogBytes, so only a caller that ignores
	// Backlogged (the generic subscription path, replies) can get here.
	maxQueuedBytes = 8 << 20
	// maxInbox: client messages waiting to be handled; beyond it the
	// connection stops reading until the worker catches up.
	maxInbox = 64
	// closeGrace is how long a closing connection waits for the client's
	// close frame before dropping the TCP connection.
	closeGrace = 2 * time.Second
)

// ExpiredReason is the reason of the 4403 close sent when the connection's
// credential expires.
const ExpiredReason = "Forbidden: token expired"

// ThrottledCode is the extensions.code of the error sent for a subscribe over
// Transport.MaxSubscriptions.
const ThrottledCode = "THROTTLED"

// InitFunc authenticates a connection from its connection_init payload. It
// returns the context the connection's operations run in. An error closes the
// connection with 4403 Forbidden, or with the code and reason of a CloseError
// it wraps.
type InitFunc func(ctx context.Context, payload transport.InitPayload) (context.Context, error)

// CloseError is an InitFunc error that closes the connection with Code and
// Reason instead of 4403 Forbidden.
type CloseError struct {
	// Code is the websocket close code (4000-4999 for the application).
	Code int
	// Reason is the close reason (at most 123 bytes reach the wire).
	Reason string
}

func (e *CloseError) Error() string { return fmt.Sprintf("websocket closed: %d %s", e.Code, e.Reason) }

// Transport is a gqlgen transport (graphql.Transport) serving
// graphql-transport-ws on websocket upgrade requests; see the package
// documentation. Create it with its fields set, add it to the gqlgen server
// before the HTTP transports, and do not change it afterwards. Close ends
// every connection.
type Transport struct {
	// InitFunc authenticates connection_init; nil accepts every connection.
	InitFunc InitFunc
	// InitTimeout is how long a connection may stay open without sending
	// connection_init; zero means DefaultInitTimeout.
	InitTimeout time.Duration
	// PingInterval is how often the server sends "ping". Zero means
	// DefaultPingInterval.
	PingInterval time.Duration
	// PongTimeout is how long the client has to answer a ping: a
	// connection that has sent nothing (pong or anything else) within
	// PongTimeout of a ping is closed with 1001, so a client that stops
	// reading is gone within DropAfter. Zero means DefaultPongTimeout; it
	// is capped at PingInterval.
	PongTimeout time.Duration
	// MaxSubscriptions caps the operations active at once on one
	// connection; zero means DefaultMaxSubscriptions, negative no cap.
	MaxSubscriptions int
	// ReadLimit bounds a client message in bytes; zero means DefaultReadLimit.
	ReadLimit int64
	// OriginPatterns are the browser origins, besides the request's own
	// host, allowed to open a websocket: host patterns as path.Match reads
	// them ("localhost:5173", "*.example.com"). A request without an Origin
	// header (not a browser) is always allowed.
	OriginPatterns []string
	// Log receives protocol violations at debug level and internal
	// errors; nil means slog.Default().
	Log *slog.Logger
	// Clock runs the init timeout, the pings and pong deadlines, the close
	// grace and credential expiry; nil means the real clock. Tests move a
	// fake one instead of waiting.
	Clock clockwork.Clock
	// OnOpen and OnClose, when set, are told of every connection: OnOpen
	// once upgraded, OnClose once it has ended, with the close code (the
	// first sent or received; 1006 when the socket dropped without one)
	// and how long it was open. For metrics and logs: they must be quick.
	OnOpen  func()
	OnClose func(code int, open time.Duration)

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
}

var _ graphql.Transport = (*Transport)(nil)

// Supports reports whether r is a websocket upgrade request.
func (t *Transport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		headerHasToken(r.Header, "Connection", "upgrade") &&
		headerHasToken(r.Header, "Upgrade", "websocket")
}

// Do upgrades the request and serves the connection. It returns as soon as
// the connection is set up: the connection lives on without the request's
// goroutine.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if !headerHasToken(r.Header, "Sec-WebSocket-Protocol", Subprotocol) {
		http.Error(w, "websocket: the client must offer the "+Subprotocol+" subprotocol", http.StatusBadRequest)
		return
	}
	if err := t.checkOrigin(r); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	up := ws.HTTPUpgrader{Protocol: func(p string) bool { return p == Subprotocol }}
	nc, rw, _, err := up.Upgrade(r, w)
	if err != nil {
		// The upgrader has answered with an HTTP error itself.
		t.logger().Debug("websocket: upgrade failed", "err", err, "remote", r.RemoteAddr)
		return
	}
	// Bytes the client sent right after its upgrade request may sit in
	// net/http's read buffer; after them, read the socket directly so
	// that neither of net/http's 4 KB buffers stays with the connection.
	var early []byte
	if n := rw.Reader.Buffered(); n > 0 {
		early = make([]byte, n)
		_, _ = rw.Reader.Read(early)
	}
	// The request's values (server, addresses, middleware) but not its
	// cancellation: net/http cancels it when this handler returns.
	c := newConn(t, exec, nc, early, context.WithoutCancel(r.Context()))
	if t.OnOpen != nil {
		t.OnOpen()
	}
	if !t.track(c) {
		c.closeWith(1001, "server shutting down")
	}
	go c.readLoop()
}

// Close closes every connection with 1001 "going away" and refuses new ones.
func (t *Transport) Close() {
	t.mu.Lock()
	t.closed = true
	conns := t.conns
	t.conns = nil
	t.mu.Unlock()
	for c := range conns {
		c.closeWith(1001, "server shutting down")
	}
}

// Connections returns how many websockets are open.
func (t *Transport) Connections() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

func (t *Transport) track(c *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	if t.conns == nil {
		t.conns = map[*conn]struct{}{}
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *Transport) untrack(c *conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
}

// checkOrigin allows requests without Origin (not from a browser), from the
// request's own host, and from OriginPatterns; the same rule as
// coder/websocket's, which this transport replaces.
func (t *Transport) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return fmt.Errorf("websocket: request Origin %q is not a valid URL with a host", origin)
	}
	if strings.EqualFold(r.Host, u.Host) {
		return nil
	}
	for _, p := range t.OriginPatterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = origin
		}
		if ok, err := path.Match(strings.ToLower(p), strings.ToLower(target)); err == nil && ok {
			return nil
		}
	}
	return fmt.Errorf("websocket: request Origin %q is not authorized for Host %q", origin, r.Host)
}

func (t *Transport) logger() *slog.Logger {
	if t.Log != nil {
		return t.Log
	}
	return slog.Default()
}

// DropAfter is the longest a connection outlives the last frame its client
// sent: the next ping comes within PingInterval, its answer is due within
// PongTimeout, and a client that does not answer the close frame either
// loses its TCP connection closeGrace later. This is the bound on how long a
// client that stops reading (or vanishes) holds server resources. (A client
// that stops reading but keeps sending is bounded by its write queue
// instead: it is dropped when the queue passes its limit.)
func (t *Transport) DropAfter() time.Duration {
	return t.pingInterval() + t.pongTimeout() + closeGrace
}

// expiryKey is the context key of the connection's credential expiry.
type expiryKey struct{}

// WithExpiry returns ctx carrying the time at which the credential of a
// connection_init stops being valid. An InitFunc returns it so that the
// connection is closed with 4403 ExpiredReason at that time: a socket is
// authenticated once, and must not outlive its credential. graphql-ws
// clients treat 4403 as retryable and call connectionParams again on
// reconnect, so a client that refreshes its token there resumes by itself.
// The zero time means the credential does not expire.
func WithExpiry(ctx context.Context, at time.Time) context.Context {
	return context.WithValue(ctx, expiryKey{}, at)
}

// expiryFrom returns what WithExpiry put in ctx (zero if nothing).
func expiryFrom(ctx context.Context) time.Time {
	at, _ := ctx.Value(expiryKey{}).(time.Time)
	return at
}

func (t *Transport) clock() clockwork.Clock {
	if t.Clock != nil {
		return t.Clock
	}
	return realClock
}

// realClock is shared: clockwork's real clock is stateless.
var realClock = clockwork.NewRealClock()

func (t *Transport) initTimeout() time.Duration {
	if t.InitTimeout > 0 {
		return t.InitTimeout
	}
	return DefaultInitTimeout
}

func (t *Transport) pingInterval() time.Duration {
	if t.PingInterval > 0 {
		return t.PingInterval
	}
	return DefaultPingInterval
}

func (t *Transport) pongTimeout() time.Duration {
	d := t.PongTimeout
	if d <= 0 {
		d = DefaultPongTimeout
	}
	return min(d, t.pingInterval())
}

func (t *Transport) maxSubscriptions() int {
	if t.MaxSubscriptions == 0 {
		return DefaultMaxSubscriptions
	}
	return t.MaxSubscriptions
}

func (t *Transport) readLimit() int64 {
	if t.ReadLimit > 0 {
		return t.ReadLimit
	}
	return DefaultReadLimit
}

// headerHasToken reports whether a comma-separated header (possibly
// repeated) lists token, case-insensitively.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for p := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), token) {
				return true
			}
		}
	}
	return false
}
