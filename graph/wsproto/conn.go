package wsproto

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gobwas/ws"
	"github.com/jonboulle/clockwork"
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
// control payload minus the 2-byte code).
const maxCloseReason = 123

// conn is one websocket connection. Its goroutines: readLoop for the
// connection's life, work while client messages wait, flush while writes wait.
type conn struct {
	t    *Transport
	exec graphql.GraphExecutor
	nc   net.Conn
	raw  syscall.RawConn // for non-blocking write attempts; nil if unsupported
	// early holds bytes net/http had read past the upgrade request.
	early []byte

	// ctx is the connection's context: request values, then the
	// InitFunc's. Cancelled when the connection ends.
	ctx    context.Context
	cancel context.CancelFunc

	// heard is set by every frame the client sends, and cleared when a
	// ping goes out: still clear at the pong deadline, the client is gone.
	heard atomic.Bool
	// opened is when the connection was upgraded, for Transport.OnClose.
	opened time.Time

	mu sync.Mutex
	// authTimer fires at the connection_init deadline, then (reset by
	// connectionInit) when the credential expires: one timer for both.
	authTimer clockwork.Timer
	// pingTimer alternates: the next ping, then that ping's pong deadline.
	pingTimer clockwork.Timer
	awaiting  bool      // the ping timer is at a pong deadline
	expiresAt time.Time // the credential's expiry (see WithExpiry); zero: never
	initSeen  bool
	acked     bool
	closing   bool // a close frame was sent (or the socket dropped)
	closeCode int  // of the first close frame sent, for Transport.OnClose
	inbox     [][]byte
	room      *sync.Cond // signalled when the inbox has room; made when first needed
	working   bool
	ops       map[string]*operation

	wmu      sync.Mutex
	out      net.Buffers // queued frames, oldest first
	queued   int         // bytes in out
	flushing bool
	wdead    bool // the socket failed or was closed: drop writes
	wclosed  bool // a close frame was written or queued: drop later writes
	drained  []func()
	// tryWrite's arguments and results, for rawWrite (under wmu).
	rawWrite func(fd uintptr) bool
	rawBuf   []byte
	rawN     int
	rawErr   error
}

// operation is one active subscribe.
type operation struct {
	id     string
	idJSON []byte // the id as a JSON string, for building messages
	cancel context.CancelFunc
	ended  atomic.Bool // error or complete was sent, or the client completed it
}

func newConn(t *Transport, exec graphql.GraphExecutor, nc net.Conn, early []byte, ctx context.Context) *conn {
	c := &conn{t: t, exec: exec, nc: nc, early: early}
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			c.rawWrite = c.writeRaw
		}
	}
	c.ctx, c.cancel = context.WithCancel(ctx)
	clock := t.clock()
	c.opened = clock.Now()
	c.authTimer = clock.AfterFunc(t.initTimeout(), c.authDeadline)
	c.pingTimer = clock.AfterFunc(t.pingInterval(), c.pingTick)
	return c
}

// readLoop reads frames until the connection ends. It deliberately does
// nothing but parse frames and queue messages: whatever it calls grows the
// stack it keeps for the connection's whole life.
func (c *conn) readLoop() {
	defer c.finish()
	var r io.Reader = c.nc
	if len(c.early) > 0 {
		r = io.MultiReader(bytes.NewReader(c.early), c.nc)
		c.early = nil
	}
	limit := c.t.readLimit()
	var message []byte // a fragmented message being assembled
	fragmented, textual := false, false
	for {
		h, err := ws.ReadHeader(r)
		if err != nil {
			return
		}
		switch {
		case !h.Masked:
			c.closeWith(1002, "client frames must be masked")
			return
		case h.Rsv != 0:
			c.closeWith(1002, "no extension was negotiated")
			return
		case h.OpCode.IsControl() && (h.Length > 125 || !h.Fin):
			c.closeWith(1002, "invalid control frame")
			return
		case h.Length > limit || int64(len(message))+h.Length > limit:
			c.closeWith(1009, "message too big")
			return
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(r, payload); err != nil {
			return
		}
		ws.Cipher(payload, h.Mask, 0)
		c.heard.Store(true)
		switch h.OpCode {
		case ws.OpPing:
			c.writeFrame(ws.OpPong, payload)
		case ws.OpPong:
		case ws.OpClose:
			c.closeWith(closeReply(payload), "")
			return
		case ws.OpText, ws.OpBinary:
			if fragmented {
				c.closeWith(1002, "expected a continuation frame")
				return
			}
			if !h.Fin {
				message, fragmented, textual = payload, true, h.OpCode == ws.OpText
				continue
			}
			if bytes.Equal(payload, plainPong) {
				// The answer to our ping, every 15 s on every idle
				// connection: it needs no worker, and allocating one
				// would keep the garbage collector busy at idle.
				continue
			}
			if h.OpCode == ws.OpText && !utf8.Valid(payload) {
				c.closeWith(1007, "invalid UTF-8")
				return
			}
			c.deliver(payload)
		case ws.OpContinuation:
			if !fragmented {
				c.closeWith(1002, "unexpected continuation frame")
				return
			}
			message = append(message, payload...)
			if h.Fin {
				if textual && !utf8.Valid(message) {
					c.closeWith(1007, "invalid UTF-8")
					return
				}
				c.deliver(message)
				message, fragmented = nil, false
			}
		default:
			c.closeWith(1002, "unknown opcode")
			return
		}
	}
}

// plainPong is the pong graphql-ws clients send.
var plainPong = []byte(`{"type":"pong"}`)

// closeReply is the code to answer a client's close frame with: its own
// code when it is one an endpoint may send (RFC 6455, 7.4), else 1000.
func closeReply(payload []byte) int {
	code, _ := ws.ParseCloseFrameData(payload)
	switch c := int(code); {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014, c >= 3000 && c <= 4999:
		return c
	}
	return 1000
}

// deliver queues a client message for the worker, starting it if idle.
// When maxInbox messages wait already, it waits for room: the client is
// slowed down by TCP flow control instead of growing the queue.
func (c *conn) deliver(msg []byte) {
	c.mu.Lock()
	for len(c.inbox) >= maxInbox && !c.closing {
		if c.room == nil {
			c.room = sync.NewCond(&c.mu)
		}
		c.room.Wait()
	}
	if c.closing {
		c.mu.Unlock()
		return // keep reading until the client's close frame
	}
	c.inbox = append(c.inbox, msg)
	start := !c.working
	c.working = true
	c.mu.Unlock()
	if start {
		go c.work()
	}
}

// work handles queued client messages in order, then exits.
func (c *conn) work() {
	for {
		c.mu.Lock()
		if len(c.inbox) == 0 || c.closing {
			c.inbox = nil
			c.working = false
			c.mu.Unlock()
			return
		}
		msg := c.inbox[0]
		c.inbox[0] = nil
		c.inbox = c.inbox[1:]
		if c.room != nil {
			c.room.Signal()
		}
		c.mu.Unlock()
		c.handle(msg)
	}
}

// closeWith sends a close frame and ends the connection: the operations'
// contexts are cancelled at once, the socket is closed when the client
// answers or after closeGrace. Only the first close reaches the wire.
func (c *conn) closeWith(code int, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.closeCode = code
	c.wakeReaderLocked()
	c.mu.Unlock()
	c.t.logger().Debug("graphql-transport-ws: closing connection", "code", code, "reason", reason)
	c.cancel()
	// Armed before the close frame is written, so that a client that has
	// seen the frame knows the grace period runs (tests move a fake clock).
	c.t.clock().AfterFunc(closeGrace, c.drop)
	body := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(body, uint16(code))
	body = append(body, truncateReason(reason)...)
	c.writeFrame(ws.OpClose, body)
}

// drop closes the socket; readLoop then ends and cleans up.
func (c *conn) drop() {
	c.mu.Lock()
	c.closing = true
	c.wakeReaderLocked()
	c.mu.Unlock()
	c.cancel()
	_ = c.nc.Close()
}

// wakeReaderLocked releases a reader waiting for room in the inbox.
func (c *conn) wakeReaderLocked() {
	if c.room != nil {
		c.room.Broadcast()
	}
}

// finish runs when readLoop ends, however the connection ended.
func (c *conn) finish() {
	c.drop()
	c.mu.Lock()
	c.authTimer.Stop()
	c.pingTimer.Stop()
	ops := c.ops
	c.ops = nil
	code := c.closeCode
	c.mu.Unlock()
	for _, op := range ops {
		op.ended.Store(true)
		op.cancel()
	}
	c.wmu.Lock()
	c.wdead = true
	c.out, c.queued, c.drained = nil, 0, nil
	c.wmu.Unlock()
	c.t.untrack(c)
	if c.t.OnClose != nil {
		if code == 0 {
			code = 1006 // no close frame: the socket dropped
		}
		c.t.OnClose(code, c.t.clock().Since(c.opened))
	}
}

// objectOrNull reports whether an optional payload is absent, null or an
// object, as PROTOCOL.md requires of connection_init, ping and pong.
func objectOrNull(p json.RawMessage) bool {
	p = bytes.TrimSpace(p)
	return len(p) == 0 || p[0] == '{' || string(p) == "null"
}

func isObject(p json.RawMessage) bool {
	p = bytes.TrimSpace(p)
	return len(p) > 0 && p[0] == '{'
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
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
