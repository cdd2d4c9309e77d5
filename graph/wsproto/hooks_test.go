package wsproto_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/aftercart/aftercart/graph/wsproto"
)

// TestOpenCloseHooks: every connection is reported opened once and closed
// once, with the close code sent or received, or 1006 when the socket just
// dropped.
func TestOpenCloseHooks(t *testing.T) {
	var opened atomic.Int64
	closed := make(chan int, 10)
	url, _ := newServer(t, serverOptions{configure: func(tr *wsproto.Transport) {
		tr.OnOpen = func() { opened.Add(1) }
		tr.OnClose = func(code int, open time.Duration) {
			if open <= 0 {
				t.Errorf("close %d after %v", code, open)
			}
			closed <- code
		}
	}})
	wait := func(want int) {
		t.Helper()
		select {
		case got := <-closed:
			if got != want {
				t.Fatalf("closed with %d, want %d", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no close reported, want %d", want)
		}
	}

	rejected := dial(t, url)
	rejected.send(`{"type":"connection_init","payload":{"token":"bad"}}`)
	rejected.expectClose(4403, "Forbidden")
	wait(4403)

	normal := dial(t, url)
	normal.handshake()
	_ = normal.conn.Close(websocket.StatusNormalClosure, "bye")
	wait(1000)

	dropped := dial(t, url)
	dropped.handshake()
	_ = dropped.conn.CloseNow()
	wait(1006)

	if n := opened.Load(); n != 3 {
		t.Fatalf("%d opens reported, want 3", n)
	}
}
