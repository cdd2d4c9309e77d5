package wsproto

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// Subprotocol is the websocket subprotocol the guard accepts: graphql-ws's
// graphql-transport-ws.
const Subprotocol = "graphql-transport-ws"

// Close codes of the graphql-transport-ws protocol (graphql-ws CloseCode).
const (
	// CloseBadRequest: an invalid or unexpected message.
	CloseBadRequest = 4400
	// CloseUnauthorized: subscribe before the server acknowledged the connection.
	CloseUnauthorized = 4401
	// CloseForbidden: the connection_init payload was rejected (see Forbidden).
	CloseForbidden = 4403
	// CloseSubprotocolNotAcceptable: a subprotocol other than Subprotocol was negotiated.
	CloseSubprotocolNotAcceptable = 4406
	// CloseConnectionInitTimeout: no connection_init within the init timeout.
	CloseConnectionInitTimeout = 4408
	// CloseSubscriberAlreadyExists: subscribe with an id that is still active.
	CloseSubscriberAlreadyExists = 4409
	// CloseTooManyInitRequests: a second connection_init.
	CloseTooManyInitRequests = 4429
)

// Defaults used when the corresponding Guard field is zero.
const (
	// DefaultInitTimeout is graphql-ws's own default connectionInitWaitTimeout.
	DefaultInitTimeout = 3 * time.Second
	// DefaultMaxSubscriptions bounds what one socket can make the server run.
	DefaultMaxSubscriptions = 100
)

// ThrottledCode is the extensions.code of the error sent for a subscribe over
// Guard.MaxSubscriptions.
const ThrottledCode = "THROTTLED"

// errSubprotocolRequired is returned from Accept before the upgrade; gqlgen
// answers it with HTTP 400.
var errSubprotocolRequired = errors.New("wsproto: the client must offer the " + Subprotocol + " subprotocol")

// Guard is a transport.WebsocketImplementation that enforces the
// graphql-transport-ws protocol in front of gqlgen's transport.Websocket (see
// the package documentation). It holds configuration only; a Guard or a
// pointer to one can serve any number of connections concurrently, and must
// not be changed while it does.
//
// Set transport.Websocket.InitTimeout larger than Guard.InitTimeout (or leave
// it 0): the guard then closes a silent connection with 4408 first, and
// gqlgen's later close (1002) is ignored, as is every close after the first.
type Guard struct {
	// Inner accepts the websocket itself; nil means a
	// transport.CoderWebsocketImplementation with zero options, whose origin
	// check refuses every cross-origin browser: set OriginPatterns.
	Inner transport.WebsocketImplementation
	// InitTimeout is how long a connection may stay open without sending
	// connection_init, measured from the upgrade; zero means
	// DefaultInitTimeout.
	InitTimeout time.Duration
	// MaxSubscriptions caps the operations active at once on one
	// connection; zero means DefaultMaxSubscriptions and a negative value
	// means no cap. An operation stops counting when either side completes
	// it, so a client at the cap can complete one and subscribe again at
	// once. Operations the client completed but gqlgen is still tearing
	// down (a resolver slow to notice its cancelled context) count against
	// a second bound of twice the cap, so a client cannot pile them up.
	MaxSubscriptions int
	// Log receives protocol violations at debug level; nil means slog.Default().
	Log *slog.Logger
}

var _ transport.WebsocketImplementation = Guard{}

// Accept upgrades the request through Inner, offering only Subprotocol, and
// returns a connection that polices the protocol. An upgrade request that does
// not offer Subprotocol is refused before upgrading.
func (g Guard) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	if !offers(r, Subprotocol) {
		return nil, errSubprotocolRequired
	}
	// gqlgen lists the legacy "graphql-ws" first and coder/websocket picks
	// the server's first match, so a client offering both would get legacy.
	opts.Subprotocols = []string{Subprotocol}
	inner := g.Inner
	if inner == nil {
		inner = transport.CoderWebsocketImplementation{}
	}
	ws, err := inner.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	c := newConn(ws, g.config(), g.logger().With("remote", r.RemoteAddr))
	if ws.Subprotocol() != Subprotocol {
		// Only possible when Inner adds subprotocols of its own. gqlgen
		// then reads, gets an error and gives up; its close is ignored.
		c.violation(CloseSubprotocolNotAcceptable, "Subprotocol not acceptable")
		return c, nil
	}
	c.startInitTimer()
	return c, nil
}

func (g Guard) config() config {
	cfg := config{initTimeout: g.InitTimeout, maxSubs: g.MaxSubscriptions}
	if cfg.initTimeout <= 0 {
		cfg.initTimeout = DefaultInitTimeout
	}
	if cfg.maxSubs == 0 {
		cfg.maxSubs = DefaultMaxSubscriptions
	}
	return cfg
}

func (g Guard) logger() *slog.Logger {
	if g.Log != nil {
		return g.Log
	}
	return slog.Default()
}

// offers reports whether the upgrade request lists subprotocol in
// Sec-WebSocket-Protocol (a comma-separated list, possibly repeated).
func offers(r *http.Request, subprotocol string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(p) == subprotocol {
				return true
			}
		}
	}
	return false
}

// Forbidden returns ctx marked so that gqlgen closes the connection with
// 4403 "Forbidden" when an InitFunc returns it together with an error. Return
// it, never a nil context: gqlgen reads the close code from the returned
// context and would panic on nil.
func Forbidden(ctx context.Context) context.Context {
	ctx = transport.AppendCloseReason(ctx, "Forbidden")
	return transport.WithWebsocketCloseCode(ctx, CloseForbidden)
}
