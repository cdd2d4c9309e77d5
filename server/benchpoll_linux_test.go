//go:build linux

package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"
)

// benchReaders reads every subscriber's socket of a fan-out benchmark from
// one goroutine per CPU, each blocked in epoll_wait(2) over its share of
// the sockets.
//
// Why not a goroutine per socket, the way a Go client is usually written:
// the clients run on the server's two CPUs, so whatever they spend per
// message shows up in the measured latency. A CPU profile of the clients
// with a goroutine per socket (2026-11-30, 10,000 subscribers, ~15 µs of
// client CPU per message) spent it on the runtime's netpoller waking each
// reader, two read(2)s per message (the message, then the EAGAIN that parks
// the reader again), copying the message out of the socket's bufio buffer
// into a pooled one (cold memory: 13 % of the clients' CPU in memmove), and
// regrowing reader stacks the GC had shrunk. Here one epoll_wait returns
// many ready sockets and a message costs one read(2) into the reader's own
// buffer, parsed in place. What the server sees is unchanged: the same
// websocket frames on the same TCP connections. benchpoll_other_test.go
// keeps a goroutine per socket for other systems.
type benchReaders struct {
	// waits and events count epoll_wait calls and the sockets they
	// returned, for the report.
	waits, events atomic.Int64
	shards        []pollShard
	conns         []atomic.Pointer[polledConn] // by subscriber
	stopped       sync.WaitGroup
}

// pollNap is how long a reader waits after a wake-up that found fewer
// sockets ready than it can take, so that the next epoll_wait returns a
// batch: a wake-up per message (~4 messages per wake-up without the nap,
// 10,000 subscribers) cost as much CPU as the read(2)s. A message that
// arrives during the nap is timestamped after it, so the nap can only add
// to the measured latency (at most about a millisecond: Go's timers on
// Linux sleep in whole milliseconds when nothing else is running).
const pollNap = time.Millisecond

// pollShard is one reader goroutine's epoll instance.
type pollShard struct{ epfd int }

// polledConn is one subscriber's socket as its reader holds it.
type polledConn struct {
	fd int
	// pending is the start of a frame a read(2) cut short; frames are
	// small, so it is almost always empty.
	pending []byte
	dead    bool // read failed; removed from its epoll set
}

// pongFrame is {"type":"pong"} as one masked client frame. A client must
// mask its frames; one fixed mask does for a benchmark (masking guards
// proxies' caches, and there is none here).
var pongFrame = func() []byte {
	f := ws.MaskFrameInPlaceWith(ws.NewTextFrame(msgPong), [4]byte{0x1f, 0x2e, 0x3d, 0x4c})
	b, err := ws.CompileFrame(f)
	if err != nil {
		panic(err)
	}
	return b
}()

// start makes one epoll instance and reader per CPU for n subscribers.
func (r *benchReaders) start(h *fanoutHarness, n int) error {
	r.conns = make([]atomic.Pointer[polledConn], n)
	for range runtime.GOMAXPROCS(0) {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			r.stop()
			return fmt.Errorf("epoll_create1: %w", err)
		}
		r.shards = append(r.shards, pollShard{epfd: epfd})
	}
	for _, sh := range r.shards {
		r.stopped.Add(1)
		go r.run(h, sh)
	}
	return nil
}

// add takes subscriber i's socket from the Go runtime (a duplicate of its
// descriptor; closing the net.Conn takes the original out of the runtime's
// poller) and hands it to a reader. Bytes the handshake's buffer read past
// connection_ack are handled first.
func (r *benchReaders) add(h *fanoutHarness, i int, c *benchConn) error {
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return fmt.Errorf("%T has no file descriptor", c.nc)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	fd, dupErr := -1, error(nil)
	if err := raw.Control(func(s uintptr) { fd, dupErr = syscall.Dup(int(s)) }); err != nil {
		return err
	}
	if dupErr != nil {
		return fmt.Errorf("dup: %w", dupErr)
	}
	syscall.CloseOnExec(fd)
	// O_NONBLOCK belongs to the open file, which the duplicate shares;
	// set it anyway rather than rely on how net opened it.
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return err
	}
	pc := &polledConn{fd: fd}
	if br, ok := c.r.(*bufio.Reader); ok && br.Buffered() > 0 {
		pc.pending = make([]byte, br.Buffered())
		if _, err := io.ReadFull(br, pc.pending); err != nil {
			_ = syscall.Close(fd)
			return err
		}
	}
	_ = c.nc.Close()
	c.fd = fd
	r.conns[i].Store(pc)
	if len(pc.pending) > 0 {
		r.consume(h, i, pc, nil, time.Now())
	}
	sh := r.shards[i%len(r.shards)]
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd), Pad: int32(i)}
	if err := syscall.EpollCtl(sh.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	return nil
}

// run is one reader: level-triggered, one read(2) per ready socket per
// wake-up (a socket with more left is reported again), each message
// timestamped right after the read that brought it.
func (r *benchReaders) run(h *fanoutHarness, sh pollShard) {
	defer r.stopped.Done()
	events := make([]syscall.EpollEvent, 1024)
	buf := make([]byte, 64<<10)
	for !h.closing.Load() {
		// A timeout, so that closeAll's flag is seen without a wake-up
		// descriptor.
		n, err := syscall.EpollWait(sh.epfd, events, 100)
		r.waits.Add(1)
		r.events.Add(int64(n))
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			h.lost(-1, fmt.Errorf("epoll_wait: %w", err))
			return
		}
		for _, ev := range events[:n] {
			i := int(ev.Pad)
			pc := r.conns[i].Load()
			if pc == nil || pc.dead {
				continue
			}
			m, err := syscall.Read(pc.fd, buf)
			at := time.Now()
			switch {
			case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR):
			case err != nil || m == 0:
				if err == nil {
					err = io.EOF
				}
				pc.dead = true
				_ = syscall.EpollCtl(sh.epfd, syscall.EPOLL_CTL_DEL, pc.fd, nil)
				h.lost(i, err)
			default:
				r.consume(h, i, pc, buf[:m], at)
			}
		}
		if n > 0 && n < len(events) {
			time.Sleep(pollNap)
		}
	}
}

// consume handles every whole frame in pc.pending followed by data, and
// keeps what is left for the next read.
func (r *benchReaders) consume(h *fanoutHarness, i int, pc *polledConn, data []byte, at time.Time) {
	if len(pc.pending) > 0 {
		data = append(pc.pending, data...)
		pc.pending = nil
	}
	for len(data) > 0 {
		op, payload, rest, ok := splitServerFrame(data)
		if !ok {
			pc.pending = append([]byte(nil), data...)
			return
		}
		if h.handle(i, op, payload, at) {
			if _, err := syscall.Write(pc.fd, pongFrame); err != nil {
				h.lost(i, fmt.Errorf("pong: %w", err))
			}
		}
		data = rest
	}
}

// splitServerFrame splits the first frame off p: the server's frames are
// unmasked and never fragmented. ok is false while the frame is incomplete.
func splitServerFrame(p []byte) (op ws.OpCode, payload, rest []byte, ok bool) {
	if len(p) < 2 {
		return 0, nil, p, false
	}
	op = ws.OpCode(p[0] & 0x0f)
	n, hdr := uint64(p[1]&0x7f), 2
	switch n {
	case 126:
		if len(p) < 4 {
			return 0, nil, p, false
		}
		n, hdr = uint64(binary.BigEndian.Uint16(p[2:])), 4
	case 127:
		if len(p) < 10 {
			return 0, nil, p, false
		}
		n, hdr = binary.BigEndian.Uint64(p[2:]), 10
	}
	if uint64(len(p)-hdr) < n {
		return 0, nil, p, false
	}
	end := hdr + int(n)
	return op, p[hdr:end], p[end:], true
}

// stats describes how the readers read, for the report.
func (r *benchReaders) stats() string {
	w, e := r.waits.Load(), r.events.Load()
	return fmt.Sprintf("%d epoll readers, %.1f ready sockets per wake-up (%d wake-ups, including idle 100 ms timeouts)", len(r.shards), float64(e)/float64(max(w, 1)), w)
}

// stop waits for the readers to see closeAll's flag and closes their epoll
// instances; the sockets are closed by closeAll.
func (r *benchReaders) stop() {
	r.stopped.Wait()
	for _, sh := range r.shards {
		_ = syscall.Close(sh.epfd)
	}
	r.shards = nil
}
