//go:build linux

package main

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/gobwas/ws"
)

// The fan-out benchmarks' clients share the server's two CPUs, so every
// microsecond a client spends per message lands in the measured latency
// (server/live/BENCHMARKS.md, "Where the time goes"). A goroutine per
// connection costs, per message, a wake-up through Go's poller, the read,
// a second read that finds nothing (EAGAIN) and a park; measured, about as
// much CPU as the server's own write. So on Linux the clients read as a
// load generator does: a few goroutines, each with its own epoll set
// (level-triggered) over its share of the sockets, one read(2) per ready
// socket and one epoll_wait per batch of them. Each socket is detached
// from Go's poller (dup'ed through File, the original closed), so the
// runtime does not also wake for it.

// benchReaders is the harness's epoll readers, made with the first
// connection.
type benchReaders struct {
	once sync.Once
	sets []*epollSet
	err  error
}

// epollSet is one reader goroutine's epoll instance and the connections
// in it, by file descriptor.
type epollSet struct {
	fd    int
	mu    sync.Mutex
	conns map[int]*epollConn
}

// epollConn is a connection in an epoll set.
type epollConn struct {
	i int
	c *benchConn
}

// fdWriter writes to a socket that Go's poller does not know.
type fdWriter int

func (w fdWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Write(int(w), p[n:])
		switch {
		case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR):
			runtime.Gosched() // a pong is a few bytes; the socket has room again at once
			continue
		case err != nil:
			return n, err
		}
		n += m
	}
	return n, nil
}

// startReading hands subscriber i's connection, subscribed, to an epoll
// reader.
func (h *fanoutHarness) startReading(i int, conn *benchConn) error {
	r := &h.readers
	r.once.Do(func() {
		for range runtime.GOMAXPROCS(0) {
			fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
			if err != nil {
				r.err = err
				return
			}
			set := &epollSet{fd: fd, conns: map[int]*epollConn{}}
			r.sets = append(r.sets, set)
			h.readerExited.Add(1)
			go h.poll(set)
		}
	})
	if r.err != nil {
		return fmt.Errorf("epoll: %w", r.err)
	}
	// Bytes the handshake's buffered reader holds already (a ping) come
	// first.
	if n := conn.r.Buffered(); n > 0 {
		b, _ := conn.r.Peek(n)
		conn.pending = append([]byte(nil), b...)
	}
	f, err := conn.nc.(*net.TCPConn).File()
	if err != nil {
		return err
	}
	_ = conn.nc.Close() // the dup in f keeps the socket open; Go's poller forgets it
	conn.f, conn.fd, conn.w = f, int(f.Fd()), fdWriter(int(f.Fd()))
	if err := syscall.SetNonblock(conn.fd, true); err != nil {
		return err
	}
	set := r.sets[i%len(r.sets)]
	set.mu.Lock()
	set.conns[conn.fd] = &epollConn{i: i, c: conn}
	set.mu.Unlock()
	if len(conn.pending) > 0 {
		h.frames(i, conn, time.Now())
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(conn.fd)}
	return syscall.EpollCtl(set.fd, syscall.EPOLL_CTL_ADD, conn.fd, &ev)
}

// poll is one reader goroutine: it reads whatever its sockets have, until
// the harness closes.
func (h *fanoutHarness) poll(set *epollSet) {
	defer h.readerExited.Done()
	defer syscall.Close(set.fd)
	events := make([]syscall.EpollEvent, 512)
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.EpollWait(set.fd, events, 200)
		if h.closing.Load() {
			return
		}
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			h.ended.Add(1)
			h.firstEnd.CompareAndSwap(nil, fmt.Sprintf("epoll_wait: %v", err))
			return
		}
		for _, ev := range events[:n] {
			set.mu.Lock()
			ec := set.conns[int(ev.Fd)]
			set.mu.Unlock()
			if ec != nil {
				h.readReady(set, ec, buf)
			}
		}
	}
}

// readReady reads once from a socket epoll reported ready and handles
// every whole frame; a frame's tail that has not arrived waits in pending.
func (h *fanoutHarness) readReady(set *epollSet, ec *epollConn, buf []byte) {
	c := ec.c
	n, err := syscall.Read(c.fd, buf)
	at := time.Now()
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
		return
	}
	if err != nil || n == 0 {
		if err == nil {
			err = errors.New("closed by the server")
		}
		if !h.closing.Load() {
			h.ended.Add(1)
			h.firstEnd.CompareAndSwap(nil, fmt.Sprintf("subscriber %d: read: %v", ec.i, err))
		}
		_ = syscall.EpollCtl(set.fd, syscall.EPOLL_CTL_DEL, c.fd, nil)
		set.mu.Lock()
		delete(set.conns, c.fd)
		set.mu.Unlock()
		return
	}
	if len(c.pending) == 0 {
		// The usual case: whole frames, parsed in place.
		rest := h.parseFrames(ec.i, c, buf[:n], at)
		if len(rest) > 0 {
			c.pending = append([]byte(nil), rest...)
		}
		return
	}
	c.pending = append(c.pending, buf[:n]...)
	h.frames(ec.i, c, at)
}

// frames handles the whole frames in c.pending and keeps the rest.
func (h *fanoutHarness) frames(i int, c *benchConn, at time.Time) {
	rest := h.parseFrames(i, c, c.pending, at)
	c.pending = append(c.pending[:0], rest...)
}

// parseFrames handles every whole server frame in b (unmasked, never
// fragmented) and returns what is left of a frame still arriving.
func (h *fanoutHarness) parseFrames(i int, c *benchConn, b []byte, at time.Time) []byte {
	for len(b) >= 2 {
		op := ws.OpCode(b[0] & 0x0f)
		size, head := int(b[1]&0x7f), 2
		switch size {
		case 126:
			if len(b) < 4 {
				return b
			}
			size, head = int(b[2])<<8|int(b[3]), 4
		case 127:
			if len(b) < 10 {
				return b
			}
			size = 0
			for _, x := range b[2:10] {
				size = size<<8 | int(x)
			}
			head = 10
		}
		if len(b) < head+size {
			return b
		}
		data := b[head : head+size]
		b = b[head+size:]
		if op == ws.OpClose {
			if !h.closing.Load() {
				code, reason := ws.ParseCloseFrameData(data)
				h.ended.Add(1)
				h.firstEnd.CompareAndSwap(nil, fmt.Sprintf("subscriber %d: closed by the server: %d %s", i, code, reason))
			}
			continue
		}
		h.handle(i, c, data, at)
	}
	return b
}
