package wsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// Message types of graphql-transport-ws.
const (
	typeConnectionInit = "connection_init"
	typeConnectionAck  = "connection_ack"
	typePing           = "ping"
	typePong           = "pong"
	typeSubscribe      = "subscribe"
	typeNext           = "next"
	typeError          = "error"
	typeComplete       = "complete"
)

// maxCloseReason is the longest reason a close frame can carry (125 bytes of
// control payload minus the 2-byte code); coder/websocket replaces a longer
// one with 1011, losing our code.
const maxCloseReason = 123

// throttledPayload is the payload of the error sent for a subscribe over the cap.
var throttledPayload = json.RawMessage(`[{"message":"too many subscriptions on this connection","extensions":{"code":"` + ThrottledCode + `"}}]`)

type config struct {
	initTimeout time.Duration
	maxSubs     int // < 0: no cap
}

// operation is one subscribe that gqlgen is running. gqlgen knows it under
// internalID, never under the client's id: gqlgen keys its cancel functions by
// id and, when an operation ends, deletes the entry by id after it has written
// "complete". If the client reused an id right after completing it, that late
// delete would remove the new operation's entry and leave it unstoppable. A
// per-connection counter never repeats, so gqlgen never sees an id twice.
type operation struct {
	clientID   string
	internalID string
	// clientDone: the client sent complete; nothing more may reach it
	// about this operation (PROTOCOL.md), but gqlgen still runs it until
	// it has seen the cancellation.
	clientDone bool
}

// conn is the transport.WebsocketConn the guard hands to gqlgen. gqlgen reads
// from one goroutine and writes from many (under its own mutex); the init
// timer and gqlgen's close path race with both, so all state is under mu.
type conn struct {
	inner transport.WebsocketConn
	cfg   config
	log   *slog.Logger

	// writeMu serialises writes on inner: gqlgen's mutex does not cover the
	// guard's own writes (pong before init, throttled errors), and not every
	// inner implementation allows concurrent writes.
	writeMu sync.Mutex

	mu         sync.Mutex
	initTimer  *time.Timer
	closed     bool
	cause      *closeError // set when the guard closed the connection
	initSeen   bool
	acked      bool
	lastID     uint64
	byClient   map[string]*operation // operations the client considers active
	byInternal map[string]*operation // operations gqlgen is running

	closeOnce sync.Once
	closeErr  error
}

var (
	_ transport.WebsocketConn          = (*conn)(nil)
	_ transport.WebsocketReadLimiter   = (*conn)(nil)
	_ transport.WebsocketReadDeadliner = (*conn)(nil)
)

func newConn(inner transport.WebsocketConn, cfg config, log *slog.Logger) *conn {
	return &conn{
		inner:      inner,
		cfg:        cfg,
		log:        log,
		byClient:   map[string]*operation{},
		byInternal: map[string]*operation{},
	}
}

// closeError is what NextReader returns after the guard closed the
// connection. It unwraps to transport.ErrWebsocketClosed so that gqlgen
// treats it as a closed connection rather than reporting a read error to its
// ErrorFunc: the violation is the client's, and the guard logs it.
type closeError struct {
	code   int
	reason string
}

func (e *closeError) Error() string {
	return fmt.Sprintf("wsproto: closed the connection with %d %q", e.code, e.reason)
}

func (e *closeError) Unwrap() error { return transport.ErrWebsocketClosed }

func (c *conn) startInitTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.initTimer = time.AfterFunc(c.cfg.initTimeout, c.initTimedOut)
	}
}

func (c *conn) initTimedOut() {
	c.mu.Lock()
	if c.initSeen || c.closed {
		c.mu.Unlock()
		return
	}
	ce := c.shutLocked(CloseConnectionInitTimeout, "Connection initialisation timeout")
	c.mu.Unlock()
	c.finishClose(ce)
}

// violation closes the connection with code and returns the error NextReader
// must give gqlgen so that it stops.
func (c *conn) violation(code int, reason string) error {
	c.mu.Lock()
	if c.closed {
		err := c.closedErrLocked()
		c.mu.Unlock()
		return err
	}
	ce := c.shutLocked(code, reason)
	c.mu.Unlock()
	c.finishClose(ce)
	return ce
}

// shutLocked marks the connection closed by the guard; the caller must call
// finishClose once it has released mu. Splitting the two keeps the decision
// atomic with the state it depends on (e.g. "no init seen yet") while the
// network writes happen outside the lock.
func (c *conn) shutLocked(code int, reason string) *closeError {
	c.closed = true
	c.stopInitTimerLocked()
	c.cause = &closeError{code: code, reason: truncateReason(reason)}
	return c.cause
}

func (c *conn) finishClose(ce *closeError) {
	c.log.Debug("graphql-transport-ws: closing connection", "code", ce.code, "reason", ce.reason)
	// Not under writeMu: a write blocked on a stalled client must not hold
	// up the close, and WriteClose is safe alongside writes for the
	// implementations gqlgen ships (coder/websocket closes in the
	// background).
	_ = c.inner.WriteClose(ce.code, ce.reason)
	_ = c.closeInner()
}

func (c *conn) closedErrLocked() error {
	if c.cause != nil {
		return c.cause
	}
	return transport.ErrWebsocketClosed
}

func (c *conn) stopInitTimerLocked() {
	if c.initTimer != nil {
		c.initTimer.Stop()
	}
}

func (c *conn) closeInner() error {
	c.closeOnce.Do(func() { c.closeErr = c.inner.Close() })
	return c.closeErr
}

// NextReader returns the next client message that gqlgen should handle. It
// reads whole messages (the inner connection's read limit still applies),
// closes the connection on a protocol violation, answers or drops what gqlgen
// would mishandle, and rewrites subscribe and complete to gqlgen's ids.
func (c *conn) NextReader() (int, io.Reader, error) {
	for {
		c.mu.Lock()
		if c.closed {
			err := c.closedErrLocked()
			c.mu.Unlock()
			return 0, nil, err
		}
		c.mu.Unlock()

		mt, r, err := c.inner.NextReader()
		if err != nil {
			c.mu.Lock()
			if c.cause != nil {
				// The guard closed it (e.g. the init timer) while
				// gqlgen was waiting here.
				err = c.cause
			}
			c.mu.Unlock()
			return mt, nil, err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return mt, nil, err
		}
		out, err := c.handle(data)
		if err != nil {
			return mt, nil, err
		}
		if out != nil {
			return mt, bytes.NewReader(out), nil
		}
	}
}

// clientMessage is the part of a client message the guard needs.
type clientMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// handle checks one client message and returns what to pass to gqlgen: the
// message itself, a rewrite, nil (consumed by the guard) or an error (the
// connection is closed).
func (c *conn) handle(data []byte) ([]byte, error) {
	var m clientMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, c.violation(CloseBadRequest, "Invalid message received")
	}
	switch m.Type {
	case "":
		return nil, c.violation(CloseBadRequest, "Invalid message received: missing type")
	case typeConnectionInit:
		if !objectOrNull(m.Payload) {
			// gqlgen would fail to decode it and return without
			// closing: the socket would stay open, unserved.
			return nil, c.violation(CloseBadRequest, "Invalid message received: payload must be an object")
		}
		c.mu.Lock()
		if c.closed {
			err := c.closedErrLocked()
			c.mu.Unlock()
			return nil, err
		}
		if c.initSeen {
			ce := c.shutLocked(CloseTooManyInitRequests, "Too many initialisation requests")
			c.mu.Unlock()
			c.finishClose(ce)
			return nil, ce
		}
		c.initSeen = true
		c.stopInitTimerLocked()
		c.mu.Unlock()
		return data, nil
	case typePing, typePong:
		if !objectOrNull(m.Payload) {
			return nil, c.violation(CloseBadRequest, "Invalid message received: payload must be an object")
		}
		c.mu.Lock()
		acked := c.acked
		c.mu.Unlock()
		if acked {
			return data, nil // gqlgen answers pings and tracks pongs
		}
		// gqlgen closes with 1002 on anything but connection_init before
		// the ack; the protocol allows ping and pong at any time.
		if m.Type == typePing {
			return nil, c.writeOwn(&serverMessage{Type: typePong, Payload: m.Payload})
		}
		return nil, nil
	case typeSubscribe:
		if m.ID == "" {
			return nil, c.violation(CloseBadRequest, "Invalid message received: subscribe without id")
		}
		return c.subscribe(m)
	case typeComplete:
		if m.ID == "" {
			return nil, c.violation(CloseBadRequest, "Invalid message received: complete without id")
		}
		c.mu.Lock()
		op := c.byClient[m.ID]
		if op != nil {
			delete(c.byClient, m.ID)
			op.clientDone = true
		}
		c.mu.Unlock()
		if op == nil {
			return nil, nil // unknown or already finished: nothing to stop
		}
		return encodeClientMessage(typeComplete, op.internalID, nil), nil
	default:
		return nil, c.violation(CloseBadRequest, fmt.Sprintf("Unexpected message of type %q received", m.Type))
	}
}

func (c *conn) subscribe(m clientMessage) ([]byte, error) {
	c.mu.Lock()
	if c.closed {
		err := c.closedErrLocked()
		c.mu.Unlock()
		return nil, err
	}
	var ce *closeError
	switch {
	case !c.acked:
		ce = c.shutLocked(CloseUnauthorized, "Unauthorized")
	case c.byClient[m.ID] != nil:
		ce = c.shutLocked(CloseSubscriberAlreadyExists, "Subscriber for "+m.ID+" already exists")
	case c.cfg.maxSubs > 0 && (len(c.byClient) >= c.cfg.maxSubs || len(c.byInternal) >= 2*c.cfg.maxSubs):
		c.mu.Unlock()
		c.log.Debug("graphql-transport-ws: subscription throttled", "id", m.ID, "max", c.cfg.maxSubs)
		return nil, c.writeOwn(&serverMessage{ID: m.ID, Type: typeError, Payload: throttledPayload})
	}
	if ce != nil {
		c.mu.Unlock()
		c.finishClose(ce)
		return nil, ce
	}
	c.lastID++
	op := &operation{clientID: m.ID, internalID: strconv.FormatUint(c.lastID, 10)}
	c.byClient[op.clientID] = op
	c.byInternal[op.internalID] = op
	c.mu.Unlock()
	return encodeClientMessage(typeSubscribe, op.internalID, m.Payload), nil
}

// encodeClientMessage builds the message gqlgen reads. id is a decimal
// counter and payload was validated by json.Unmarshal, so plain
// concatenation is valid JSON.
func encodeClientMessage(typ, id string, payload json.RawMessage) []byte {
	b := make([]byte, 0, len(payload)+len(typ)+len(id)+32)
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","id":"`...)
	b = append(b, id...)
	b = append(b, '"')
	if len(payload) > 0 {
		b = append(b, `,"payload":`...)
		b = append(b, payload...)
	}
	return append(b, '}')
}

// serverMessage is a message the guard writes itself.
type serverMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func (c *conn) writeOwn(m *serverMessage) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return net.ErrClosed
	}
	return c.write(m)
}

func (c *conn) write(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.inner.WriteJSON(v)
}

// WriteJSON writes a gqlgen message, first noting what it means for the
// protocol state: connection_ack allows subscribes, complete and error end an
// operation. It maps gqlgen's id back to the client's and drops messages for
// operations the client has completed or that already ended.
func (c *conn) WriteJSON(v any) error {
	if ev, f, ok := fastFields(v); ok {
		id := ev.Field(f.id).String()
		clientID, send, err := c.observe(ev.Field(f.typ).String(), id)
		if err != nil || !send {
			return err
		}
		if clientID != id {
			ev.Field(f.id).SetString(clientID)
		}
		return c.write(v)
	}
	return c.writeSlow(v)
}

// writeSlow handles a message of a shape fastFields does not know (a future
// gqlgen, or another caller) by marshalling it.
func (c *conn) writeSlow(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var h struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if json.Unmarshal(b, &h) != nil {
		return c.write(json.RawMessage(b))
	}
	clientID, send, err := c.observe(h.Type, h.ID)
	if err != nil || !send {
		return err
	}
	if clientID != h.ID {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		for k := range obj {
			if k != "id" && bytes.EqualFold([]byte(k), []byte("id")) {
				delete(obj, k)
			}
		}
		obj["id"], _ = json.Marshal(clientID)
		if b, err = json.Marshal(obj); err != nil {
			return err
		}
	}
	return c.write(json.RawMessage(b))
}

// observe updates the protocol state for a server message and returns the
// client's id for it and whether to send it at all.
func (c *conn) observe(typ, id string) (clientID string, send bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", false, net.ErrClosed
	}
	if typ == typeConnectionAck {
		c.acked = true
	}
	if id == "" {
		return "", true, nil
	}
	op := c.byInternal[id]
	if op == nil {
		// Ended already: gqlgen writes "complete" after "error" on some
		// paths, which PROTOCOL.md forbids.
		return "", false, nil
	}
	if typ == typeComplete || typ == typeError {
		delete(c.byInternal, id)
		if !op.clientDone {
			delete(c.byClient, op.clientID)
		}
	}
	if op.clientDone {
		return "", false, nil
	}
	return op.clientID, true, nil
}

// WriteClose closes the connection with code unless it is already closed:
// only the first close reaches the wire, so gqlgen's own close after a guard
// violation (1000 or 1002) does not replace the protocol's code.
func (c *conn) WriteClose(code int, reason string) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.stopInitTimerLocked()
	c.mu.Unlock()
	return c.inner.WriteClose(code, truncateReason(reason))
}

// Close closes the underlying connection once.
func (c *conn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.stopInitTimerLocked()
	c.mu.Unlock()
	return c.closeInner()
}

// Subprotocol returns the negotiated subprotocol.
func (c *conn) Subprotocol() string { return c.inner.Subprotocol() }

// SetReadLimit forwards gqlgen's PayloadReadLimit to the inner connection.
func (c *conn) SetReadLimit(limit int64) {
	if l, ok := c.inner.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

// SetReadDeadline forwards gqlgen's ping-pong deadline to the inner connection.
func (c *conn) SetReadDeadline(t time.Time) error {
	if d, ok := c.inner.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return errors.ErrUnsupported
}

// objectOrNull reports whether an optional payload is absent, null or an
// object, as PROTOCOL.md requires of connection_init, ping and pong.
func objectOrNull(p json.RawMessage) bool {
	p = bytes.TrimSpace(p)
	return len(p) == 0 || p[0] == '{' || string(p) == "null"
}

func truncateReason(s string) string {
	if len(s) <= maxCloseReason {
		return s
	}
	s = s[:maxCloseReason]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
