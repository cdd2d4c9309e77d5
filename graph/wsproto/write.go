package wsproto

// Writing frames: non-blocking first, then a bounded queue and a flusher.

import (
	"encoding/binary"
	"syscall"

	"github.com/gobwas/ws"
)

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
