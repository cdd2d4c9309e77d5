//go:build !linux

package main

import (
	"sync"
	"time"
)

// benchReaders reads each subscriber's socket from a goroutine of its own.
// On Linux (benchpoll_linux_test.go) a few epoll readers cost the clients
// less CPU per message, which the benchmark measures as latency; the figures
// in server/live/BENCHMARKS.md come from there.
type benchReaders struct{}

func (r *benchReaders) start(*fanoutHarness, int) error { return nil }

func (r *benchReaders) stop() {}

func (r *benchReaders) stats() string { return "a goroutine per subscriber" }

// add starts subscriber i's reader.
func (r *benchReaders) add(h *fanoutHarness, i int, c *benchConn) error {
	h.readerExited.Add(1)
	go h.read(i, c)
	return nil
}

// readBufs holds message buffers: only a reader that is busy needs one.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 8<<10); return &b }}

// read is subscriber i's only goroutine: it timestamps every message on
// arrival and answers pings.
func (h *fanoutHarness) read(i int, c *benchConn) {
	defer h.readerExited.Done()
	for {
		bp := readBufs.Get().(*[]byte)
		op, data, err := c.readFrame(*bp)
		at := time.Now()
		if err != nil {
			h.lost(i, err)
			readBufs.Put(bp)
			_ = c.nc.Close()
			return
		}
		if h.handle(i, op, data, at) {
			_ = c.write(msgPong)
		}
		readBufs.Put(bp)
	}
}
