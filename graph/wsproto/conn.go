package wsproto

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gobwas/ws"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
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

	lastRead atomic.Int64 // unix nanoseconds of the last frame received
	opened   time.Time

	mu        sync.Mutex
	initTimer *time.Timer
	pingTimer *time.Timer
	pingedAt  int64 // unix nanoseconds of the last ping sent, 0 before the first
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
	c.opened = time.Now()
	c.lastRead.Store(c.opened.UnixNano())
	c.initTimer = time.AfterFunc(t.initTimeout(), c.initTimedOut)
	c.pingTimer = time.AfterFunc(t.pingInterval(), c.pingTick)
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
		c.lastRead.Store(time.Now().UnixNano())
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

// pingFrame is the server's ping, built once.
var pingFrame = appendMessage(appendFrameHeader(nil, ws.OpText, messageLen(typePing, nil, nil)), typePing, nil, nil)

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

// clientMessage is a graphql-transport-ws message from the client.
type clientMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

func (c *conn) handle(data []byte) {
	var m clientMessage
	if err := json.Unmarshal(data, &m); err != nil {
		c.closeWith(CloseBadRequest, "Invalid message received")
		return
	}
	switch m.Type {
	case "":
		c.closeWith(CloseBadRequest, "Invalid message received: missing type")
	case typeConnectionInit:
		c.connectionInit(m)
	case typePing, typePong:
		if !objectOrNull(m.Payload) {
			c.closeWith(CloseBadRequest, "Invalid message received: payload must be an object")
			return
		}
		if m.Type == typePing {
			// Echo the ping's payload, as graphql-ws servers do.
			var payload []byte
			if p := bytes.TrimSpace(m.Payload); len(p) > 0 && p[0] == '{' {
				payload = p
			}
			c.writeMessage(typePong, nil, payload)
		}
	case typeSubscribe:
		if m.ID == "" {
			c.closeWith(CloseBadRequest, "Invalid message received: subscribe without id")
			return
		}
		c.subscribe(m)
	case typeComplete:
		if m.ID == "" {
			c.closeWith(CloseBadRequest, "Invalid message received: complete without id")
			return
		}
		c.mu.Lock()
		op := c.ops[m.ID]
		delete(c.ops, m.ID)
		c.mu.Unlock()
		if op != nil {
			// Nothing more may reach the client about it (PROTOCOL.md).
			op.ended.Store(true)
			op.cancel()
		}
	default:
		c.closeWith(CloseBadRequest, "Unexpected message of type \""+truncateReason(m.Type)+"\" received")
	}
}

func (c *conn) connectionInit(m clientMessage) {
	if !objectOrNull(m.Payload) {
		c.closeWith(CloseBadRequest, "Invalid message received: payload must be an object")
		return
	}
	c.mu.Lock()
	if c.initSeen {
		c.mu.Unlock()
		c.closeWith(CloseTooManyInitRequests, "Too many initialisation requests")
		return
	}
	c.initSeen = true
	c.initTimer.Stop()
	c.mu.Unlock()
	var payload transport.InitPayload
	if len(m.Payload) > 0 {
		_ = json.Unmarshal(m.Payload, &payload) // an object: checked above
	}
	ctx := c.ctx
	if c.t.InitFunc != nil {
		next, err := c.t.InitFunc(ctx, payload)
		if err != nil {
			var ce *CloseError
			if errors.As(err, &ce) {
				c.closeWith(ce.Code, ce.Reason)
			} else {
				c.closeWith(CloseForbidden, "Forbidden")
			}
			return
		}
		if next != nil {
			ctx = next
		}
	}
	c.mu.Lock()
	c.ctx = ctx // read by later messages on this worker only
	c.acked = true
	c.mu.Unlock()
	// No payload: echoing the init payload would echo the bearer token.
	c.writeMessage(typeConnectionAck, nil, nil)
}

// throttledPayload is the payload of the error sent for a subscribe over the cap.
var throttledPayload = []byte(`[{"message":"too many subscriptions on this connection","extensions":{"code":"` + ThrottledCode + `"}}]`)

func (c *conn) subscribe(m clientMessage) {
	c.mu.Lock()
	switch {
	case !c.acked:
		c.mu.Unlock()
		c.closeWith(CloseUnauthorized, "Unauthorized")
		return
	case c.ops[m.ID] != nil:
		c.mu.Unlock()
		c.closeWith(CloseSubscriberAlreadyExists, truncateReason("Subscriber for "+m.ID+" already exists"))
		return
	}
	if max := c.t.maxSubscriptions(); max > 0 && len(c.ops) >= max {
		c.mu.Unlock()
		c.t.logger().Debug("graphql-transport-ws: subscription throttled", "id", m.ID, "max", max)
		c.writeMessage(typeError, jsonString(m.ID), throttledPayload)
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	op := &operation{id: m.ID, idJSON: jsonString(m.ID), cancel: cancel}
	if c.ops == nil {
		c.ops = map[string]*operation{}
	}
	c.ops[m.ID] = op
	c.mu.Unlock()
	c.run(ctx, op, m.Payload)
}

// run executes one operation. Queries and mutations answer once; a
// subscription either hands itself to its resolver's service (Push) or gets
// a goroutine that pulls events from gqlgen, as gqlgen's own transport does.
func (c *conn) run(ctx context.Context, op *operation, payload json.RawMessage) {
	start := graphql.Now()
	params := &graphql.RawParams{}
	if !isObject(payload) {
		c.closeWith(CloseBadRequest, "Invalid message received: subscribe payload must be an object")
		return
	}
	if err := json.Unmarshal(payload, params); err != nil {
		c.end(op, gqlerror.List{&gqlerror.Error{Message: "invalid subscribe payload: " + err.Error(), Extensions: map[string]any{"code": "BAD_REQUEST"}}})
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx = graphql.StartOperationTrace(ctx)
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			c.end(op, resp.Errors)
			return
		}
		c.sendResponse(op, resp)
		c.end(op, nil)
		return
	}
	opCtx := ctx // the subscription's lifetime, without the execution state
	ctx = graphql.WithOperationContext(ctx, rc)
	var p *Push
	if rc.Operation.Operation == ast.Subscription {
		p = &Push{c: c, op: op, params: params, ctx: opCtx}
		ctx = context.WithValue(ctx, pushKey{}, p)
	}
	defer func() {
		if r := recover(); r != nil {
			c.end(op, gqlerror.List{presentPanic(ctx, rc, r)})
		}
	}()
	responses, ctx := c.exec.DispatchOperation(ctx, rc)
	if p != nil && p.start != nil {
		// The resolver took over. What stays of the execution is only
		// what its service keeps of the Renderer.
		p.params = nil
		p.start(newRenderer(responses, ctx))
		return
	}
	if rc.Operation.Operation != ast.Subscription {
		if resp := responses(ctx); resp != nil {
			c.sendResponse(op, resp)
		}
		c.end(op, nil)
		return
	}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				c.end(op, gqlerror.List{presentPanic(ctx, rc, r)})
				return
			}
			c.end(op, nil)
		}()
		for {
			resp := responses(ctx)
			if resp == nil {
				return
			}
			c.sendResponse(op, resp)
		}
	}()
}

func presentPanic(ctx context.Context, rc *graphql.OperationContext, r any) *gqlerror.Error {
	err := rc.Recover(ctx, r)
	var gqlerr *gqlerror.Error
	if !errors.As(err, &gqlerr) {
		gqlerr = &gqlerror.Error{Message: "internal error"}
		if err != nil {
			gqlerr.Message = err.Error()
		}
	}
	return gqlerr
}

func (c *conn) sendResponse(op *operation, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		c.t.logger().Error("graphql-transport-ws: encoding a response", "err", err)
		return
	}
	c.sendNext(op, b)
}

// sendNext writes a "next" message unless the operation has ended. The
// frame is built in a pooled buffer: with a client that keeps up, the socket
// takes it whole and a fan-out allocates nothing per subscriber.
func (c *conn) sendNext(op *operation, payload []byte) bool {
	if op.ended.Load() {
		return false
	}
	n := messageLen(typeNext, op.idJSON, payload)
	bp := framePool.Get().(*[]byte)
	frame := appendFrameHeader((*bp)[:0], ws.OpText, n)
	frame = appendMessage(frame, typeNext, op.idJSON, payload)
	ok := c.sendBorrowed(frame)
	if cap(frame) <= maxPooledFrame {
		*bp = frame[:0]
		framePool.Put(bp)
	}
	return ok
}

// maxPooledFrame bounds the buffers kept in framePool.
const maxPooledFrame = 16 << 10

var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// end finishes an operation from the server side: "error" with errs, or
// "complete". Nothing is sent if it had already ended (the client completed
// it, or the server ended it before).
func (c *conn) end(op *operation, errs gqlerror.List) {
	if op.ended.Swap(true) {
		op.cancel()
		return
	}
	c.mu.Lock()
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	c.mu.Unlock()
	op.cancel()
	if len(errs) > 0 {
		b, err := json.Marshal(errs)
		if err != nil {
			b = []byte(`[{"message":"internal error"}]`)
		}
		c.writeMessage(typeError, op.idJSON, b)
		return
	}
	c.writeMessage(typeComplete, op.idJSON, nil)
}

// writeMessage writes {"id":idJSON,"type":typ,"payload":payload}, leaving
// out what is nil. idJSON and payload must be valid JSON.
func (c *conn) writeMessage(typ string, idJSON, payload []byte) bool {
	n := messageLen(typ, idJSON, payload)
	frame := make([]byte, 0, frameHeaderSize(n)+n)
	frame = appendFrameHeader(frame, ws.OpText, n)
	return c.send(appendMessage(frame, typ, idJSON, payload))
}

// messageLen is the length of what appendMessage appends.
func messageLen(typ string, idJSON, payload []byte) int {
	n := len(`{"type":""}`) + len(typ)
	if idJSON != nil {
		n += len(`"id":,`) + len(idJSON)
	}
	if payload != nil {
		n += len(`,"payload":`) + len(payload)
	}
	return n
}

func appendMessage(b []byte, typ string, idJSON, payload []byte) []byte {
	b = append(b, '{')
	if idJSON != nil {
		b = append(b, `"id":`...)
		b = append(b, idJSON...)
		b = append(b, ',')
	}
	b = append(b, `"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if payload != nil {
		b = append(b, `,"payload":`...)
		b = append(b, payload...)
	}
	return append(b, '}')
}

// writeFrame writes a frame with a copy of payload.
func (c *conn) writeFrame(op ws.OpCode, payload []byte) bool {
	frame := make([]byte, 0, frameHeaderSize(len(payload))+len(payload))
	frame = appendFrameHeader(frame, op, len(payload))
	return c.send(append(frame, payload...))
}

// frameHeaderSize is the size of an unmasked frame header for n bytes.
func frameHeaderSize(n int) int {
	switch {
	case n < 126:
		return 2
	case n <= 0xFFFF:
		return 4
	default:
		return 10
	}
}

func appendFrameHeader(b []byte, op ws.OpCode, n int) []byte {
	b = append(b, 0x80|byte(op))
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
}

// send writes a frame it now owns, without blocking: it first tries the
// socket directly; what the socket does not take is queued for the flusher.
func (c *conn) send(frame []byte) bool { return c.write(frame, false) }

// sendBorrowed is send for a frame the caller reuses: what must be queued is
// copied.
func (c *conn) sendBorrowed(frame []byte) bool { return c.write(frame, true) }

func (c *conn) write(frame []byte, borrowed bool) bool {
	c.wmu.Lock()
	if c.wdead || c.wclosed {
		c.wmu.Unlock()
		return false
	}
	if len(frame) > 0 && ws.OpCode(frame[0]&0x0f) == ws.OpClose {
		c.wclosed = true // nothing may follow a close frame
	}
	if !c.flushing {
		n, err := c.tryWrite(frame)
		if err != nil {
			c.wdead = true
			c.wmu.Unlock()
			c.drop()
			return false
		}
		if n == len(frame) {
			c.wmu.Unlock()
			return true
		}
		frame = frame[n:]
		c.flushing = true
		go c.flush()
	}
	if c.queued+len(frame) > maxQueuedBytes {
		c.wdead = true
		c.wmu.Unlock()
		c.t.logger().Warn("websocket: client is not reading; dropping the connection", "queued", c.queued)
		c.drop()
		return false
	}
	if borrowed {
		frame = append([]byte(nil), frame...)
	}
	c.out = append(c.out, frame)
	c.queued += len(frame)
	c.wmu.Unlock()
	return true
}

// tryWrite writes what the socket takes now, without waiting.
func (c *conn) tryWrite(b []byte) (int, error) {
	if c.raw == nil {
		return 0, nil // no raw access: let the flusher do it
	}
	// The callback is made once per connection and gets its arguments
	// through these fields (c.wmu is held): a closure per write would be
	// one allocation per subscriber per event.
	c.rawBuf = b
	err := c.raw.Write(c.rawWrite)
	c.rawBuf = nil
	n, werr := c.rawN, c.rawErr
	if err != nil {
		return 0, err
	}
	if werr == syscall.EAGAIN {
		return 0, nil
	}
	if werr != nil {
		return 0, werr
	}
	return n, nil
}

// writeRaw is c.rawWrite: one non-blocking write(2) of c.rawBuf.
func (c *conn) writeRaw(fd uintptr) bool {
	for {
		c.rawN, c.rawErr = syscall.Write(int(fd), c.rawBuf)
		if c.rawErr != syscall.EINTR {
			return true
		}
	}
}

// flush writes the queue with blocking writes until it is empty. A client
// that stops reading blocks only this goroutine; the ping timer ends the
// connection if it never reads again.
func (c *conn) flush() {
	for {
		c.wmu.Lock()
		if c.wdead || len(c.out) == 0 {
			c.flushing = false
			c.out = nil
			c.queued = 0
			waiters := c.drained
			c.drained = nil
			dead := c.wdead
			c.wmu.Unlock()
			if !dead {
				for _, f := range waiters {
					go f()
				}
			}
			return
		}
		bufs := c.out
		c.out = nil
		c.wmu.Unlock()
		n, err := bufs.WriteTo(c.nc)
		c.wmu.Lock()
		c.queued -= int(n)
		var waiters []func()
		if c.queued < drainedBytes {
			waiters, c.drained = c.drained, nil
		}
		if err != nil {
			c.wdead = true
		}
		c.wmu.Unlock()
		if err != nil {
			c.drop()
			return
		}
		for _, f := range waiters {
			go f()
		}
	}
}

// backlogged reports whether writes wait in the queue beyond backlogBytes.
func (c *conn) backlogged() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.queued > backlogBytes
}

// onDrained runs f on a new goroutine once the queue is below drainedBytes
// (at once if it is); never if the connection dies first.
func (c *conn) onDrained(f func()) {
	c.wmu.Lock()
	if c.wdead {
		c.wmu.Unlock()
		return
	}
	if c.queued < drainedBytes {
		c.wmu.Unlock()
		go f()
		return
	}
	c.drained = append(c.drained, f)
	c.wmu.Unlock()
}

func (c *conn) initTimedOut() {
	c.mu.Lock()
	seen := c.initSeen
	c.mu.Unlock()
	if !seen {
		c.closeWith(CloseConnectionInitTimeout, "Connection initialisation timeout")
	}
}

// pingTick pings the client, or closes the connection when the client has
// sent nothing since the previous ping, a whole interval ago. A client that
// stops reading (it cannot see the pings) or vanishes is thus dropped at
// most two intervals after the last frame it sent.
func (c *conn) pingTick() {
	now := time.Now().UnixNano()
	c.mu.Lock()
	closing, pinged := c.closing, c.pingedAt
	c.pingedAt = now
	c.mu.Unlock()
	if closing {
		return
	}
	if pinged != 0 && c.lastRead.Load() < pinged {
		c.closeWith(1001, "no pong")
		return
	}
	c.send(pingFrame) // shared: send never modifies a frame
	c.pingTimer.Reset(c.t.pingInterval())
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
	body := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(body, uint16(code))
	body = append(body, truncateReason(reason)...)
	c.writeFrame(ws.OpClose, body)
	time.AfterFunc(closeGrace, c.drop)
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
	c.initTimer.Stop()
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
		c.t.OnClose(code, time.Since(c.opened))
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
