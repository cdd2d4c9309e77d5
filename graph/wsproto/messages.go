package wsproto

// The client's messages, and the operations they start and end.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gobwas/ws"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

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
	c.authTimer.Stop()
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
	c.expiresAt = expiryFrom(ctx)
	if c.expiredLocked() {
		// Expired between the InitFunc's check and now, or the InitFunc
		// does not check expiry itself.
		c.mu.Unlock()
		c.closeWith(CloseForbidden, ExpiredReason)
		return
	}
	c.acked = true
	if !c.expiresAt.IsZero() {
		c.authTimer.Reset(c.t.clock().Until(c.expiresAt))
	}
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
	case c.expiredLocked():
		// The expiry timer may not have run yet: a subscribe after expiry
		// must never run with the expired credential, nor get an answer
		// that looks like the end of a stream.
		c.mu.Unlock()
		c.closeWith(CloseForbidden, ExpiredReason)
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
// it, or the server ended it before). Once the connection's credential has
// expired, the connection is closed with 4403 instead.
func (c *conn) end(op *operation, errs gqlerror.List) {
	if op.ended.Swap(true) {
		op.cancel()
		return
	}
	c.mu.Lock()
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	expired := c.expiredLocked()
	c.mu.Unlock()
	op.cancel()
	if expired {
		// Once the credential has expired the connection ends with 4403
		// and nothing else: a service that ends its streams at expiry (or
		// fails them with UNAUTHENTICATED) races the expiry timer, and the
		// client must see one signal, not whichever came first.
		c.closeWith(CloseForbidden, ExpiredReason)
		return
	}
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
