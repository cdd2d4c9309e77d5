package wsproto

// Liveness: the connection_init deadline, the credential's expiry and the
// server's pings.

import (
	"github.com/gobwas/ws"
)

// pingFrame is the server's ping, built once.
var pingFrame = appendMessage(appendFrameHeader(nil, ws.OpText, messageLen(typePing, nil, nil)), typePing, nil, nil)

// authDeadline runs when authTimer fires: before connection_init, the init
// timeout (4408); once acknowledged, the credential's expiry (4403). A
// socket is authenticated once, by connection_init, so it must not outlive
// the credential: the close tells the client why, and graphql-ws clients
// reconnect with fresh connectionParams.
func (c *conn) authDeadline() {
	c.mu.Lock()
	seen, acked, closing := c.initSeen, c.acked, c.closing
	expired := c.expiredLocked()
	if acked && !expired && !closing && !c.expiresAt.IsZero() {
		// Early by the clock's reading (the wall clock was set back
		// since the timer was armed): wait again.
		c.authTimer.Reset(c.t.clock().Until(c.expiresAt))
	}
	c.mu.Unlock()
	switch {
	case !seen:
		c.closeWith(CloseConnectionInitTimeout, "Connection initialisation timeout")
	case acked && expired:
		c.closeWith(CloseForbidden, ExpiredReason)
	}
}

// expiredLocked reports whether the connection's credential has expired.
// Called with c.mu held.
func (c *conn) expiredLocked() bool {
	return !c.expiresAt.IsZero() && !c.t.clock().Now().Before(c.expiresAt)
}

// pingTick runs when pingTimer fires, which alternates between two
// deadlines. At the next ping's time it pings and sets the timer to the pong
// deadline, PongTimeout later; at the pong deadline it closes the connection
// (1001) when the client has sent nothing since the ping, or else sets the
// timer to the next ping, PingInterval after the last. So a client that
// stops reading (it cannot see the pings) or vanishes loses the connection
// at most PingInterval + PongTimeout after the last frame it sent, and its
// TCP connection closeGrace later (Transport.DropAfter).
func (c *conn) pingTick() {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	deadline := c.awaiting
	if deadline && !c.heard.Load() {
		c.mu.Unlock()
		c.closeWith(1001, "no pong")
		return
	}
	c.awaiting = !deadline
	if deadline {
		c.pingTimer.Reset(c.t.pingInterval() - c.t.pongTimeout())
		c.mu.Unlock()
		return
	}
	// Cleared before the ping leaves, so that only frames sent after it
	// count as an answer.
	c.heard.Store(false)
	c.pingTimer.Reset(c.t.pongTimeout())
	c.mu.Unlock()
	c.send(pingFrame) // shared: send never modifies a frame
}
