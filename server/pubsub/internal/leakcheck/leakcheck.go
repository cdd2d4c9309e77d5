package leakcheck

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

// suspects are the function-name prefixes of code whose goroutines must all
// be gone after Close. They match a goroutine's frames and its "created by"
// line, and not the _test packages, whose own goroutines are the tests'.
var suspects = []string{
	"github.com/aftercart/aftercart/server/pubsub/inmem.",
	"github.com/aftercart/aftercart/server/pubsub/pgnotify.",
	"github.com/aftercart/aftercart/server/pubsub/internal/fanout.",
	"github.com/lib/pq.(*Listener)",
	"github.com/lib/pq.(*ListenerConn)",
	"github.com/lib/pq.NewDialListener",
	"github.com/lib/pq.newDialListenerConn",
}

// Check fails tb if broker goroutines are still running after a grace
// period: a goroutine that is already on its way out needs a moment to exit.
func Check(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := running()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d goroutine(s) leaked:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running returns the stacks of the suspect goroutines other than the caller's.
func running() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var left []string
	// The first stack is the calling goroutine's, which is a test.
	for i, g := range bytes.Split(buf, []byte("\n\n")) {
		if i == 0 {
			continue
		}
		for _, s := range suspects {
			if bytes.Contains(g, []byte(s)) {
				left = append(left, string(g))
				break
			}
		}
	}
	return left
}
