package inmem_test

import (
	"slices"
	"testing"

	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/pubsub/internal/brokertest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// eachDB runs f on the embedded SQLite and on a fresh Postgres database: the
// commit hook must behave the same on both drivers. The Postgres half skips
// locally without the binaries and fails in CI.
func eachDB(t *testing.T, f func(t *testing.T, open func(t *testing.T) *db.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, func(t *testing.T) *db.DB { return mustOpen(t, db.Config{DataDir: t.TempDir()}) })
	})
	t.Run("postgres", func(t *testing.T) {
		c := pgtest.Get(t)
		f(t, func(t *testing.T) *db.DB { return mustOpen(t, db.Config{URL: c.NewDatabase(t)}) })
	})
}

// mustOpen opens an empty database: the broker needs transactions, not tables.
func mustOpen(t *testing.T, cfg db.Config) *db.DB {
	t.Helper()
	d, err := db.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func mustBroker(t *testing.T, b *inmem.Broker) *inmem.Broker {
	t.Cleanup(func() { b.Close() })
	return b
}

func TestBroker(t *testing.T) {
	eachDB(t, func(t *testing.T, open func(t *testing.T) *db.DB) {
		brokertest.Run(t, func(t *testing.T) (pubsub.Broker, *db.DB) {
			d := open(t)
			return mustBroker(t, inmem.New()), d
		})
	})
}

// TestOverflowResyncs fills the queue behind a blocked handler: the messages
// that did fit are still delivered, in order, and then every handler is told
// to resync instead of silently missing the rest.
func TestOverflowResyncs(t *testing.T) {
	const size = 4
	d := mustOpen(t, db.Config{DataDir: t.TempDir()})
	b := mustBroker(t, inmem.NewSize(size))

	release := make(chan struct{})
	gate := &gated{Recorder: brokertest.NewRecorder(), release: release}
	b.Listen(gate)
	other := brokertest.Listen(t, b)

	// The first message is taken by the delivery goroutine, which then
	// blocks in gate; the next size fill the queue; the rest overflow.
	var sent []pubsub.Message
	for range 1 + size + 3 {
		m := brokertest.NewMessage()
		sent = append(sent, m)
		brokertest.Commit(t, d, b, m)
		if len(sent) == 1 {
			gate.WaitFor(t, "the first message to reach the blocked handler", func(msgs []pubsub.Message, _ int) bool { return len(msgs) == 1 })
		}
	}
	close(release)

	delivered := sent[:1+size]
	for _, r := range []*brokertest.Recorder{gate.Recorder, other} {
		r.WaitFor(t, "a resync", func(_ []pubsub.Message, resyncs int) bool { return resyncs > 0 })
		if got := r.Messages(); !slices.Equal(got, delivered) {
			t.Errorf("before the resync: received %v, want the %d that fit: %v", got, len(delivered), delivered)
		}
		if n := r.Resyncs(); n != 1 {
			t.Errorf("%d resyncs, want 1 for one overflow", n)
		}
	}

	// The broker is back to normal delivery.
	m := brokertest.NewMessage()
	brokertest.Commit(t, d, b, m)
	other.WaitMessages(t, append(slices.Clone(delivered), m)...)
}

// gated blocks in Notify until release is closed.
type gated struct {
	*brokertest.Recorder
	release <-chan struct{}
}

func (g *gated) Notify(m pubsub.Message) {
	g.Recorder.Notify(m)
	<-g.release
}
