package graph

import (
	"context"
	"sync"

	"github.com/aftercart/aftercart/server/auth"
)

// MaxConnectionsPerViewer caps the websockets one customer may hold open at
// once: a phone and a few tabs fit; a script that opens sockets in a loop
// does not exhaust the server. Staff tokens (trusted, and sharing a subject
// per role) are not capped.
const MaxConnectionsPerViewer = 10

// connLimiter counts open websockets per viewer.
type connLimiter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func newConnLimiter(max int) *connLimiter { return &connLimiter{max: max, n: map[string]int{}} }

// admit counts a new connection for v, or refuses it when v already holds
// max. An admitted connection is released when ctx — the connection's
// context, cancelled when the connection ends, however it ends — is done, so
// a count cannot leak.
func (l *connLimiter) admit(ctx context.Context, v *auth.Viewer) bool {
	key := string(v.Role) + ":" + v.Subject
	l.mu.Lock()
	if l.n[key] >= l.max {
		l.mu.Unlock()
		return false
	}
	l.n[key]++
	l.mu.Unlock()
	context.AfterFunc(ctx, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.n[key]--; l.n[key] <= 0 {
			delete(l.n, key)
		}
	})
	return true
}
