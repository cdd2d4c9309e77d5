package wsproto

// Liveness: the connection_init deadline and the server's pings.

import (
	"time"

	"github.com/gobwas/ws"
)

// pingFrame is the server's ping, built once.
var pingFrame = appendMessage(appendFrameHeader(nil, ws.OpText, messageLen(typePing, nil, nil)), typePing, nil, nil)

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
