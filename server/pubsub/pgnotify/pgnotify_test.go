package pgnotify_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/internal/brokertest"
	"github.com/aftercart/aftercart/server/pubsub/internal/leakcheck"
	"github.com/aftercart/aftercart/server/pubsub/pgnotify"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// logs collects a broker's log while also showing it in the test's output.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
	out io.Writer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	return l.out.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLogs(t *testing.T) *logs { return &logs{out: t.Output()} }

func (l *logs) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// mustBroker starts a broker on dsn and closes it when the test ends.
func mustBroker(t *testing.T, dsn string, log *slog.Logger) *pgnotify.Broker {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), brokertest.Timeout)
	defer cancel()
	b, err := pgnotify.New(ctx, dsn, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func mustOpen(t *testing.T, dsn string) *db.DB {
	t.Helper()
	d, err := db.Open(db.Config{URL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestBroker(t *testing.T) {
	c := pgtest.Get(t)
	brokertest.Run(t, func(t *testing.T) (pubsub.Broker, *db.DB) {
		dsn := c.NewDatabase(t)
		d := mustOpen(t, dsn)
		return mustBroker(t, dsn, newLogs(t).logger()), d
	})
}

// TestInstances runs two brokers on one database, as two server instances
// would: whichever publishes, both deliver, in commit order.
func TestInstances(t *testing.T) {
	dsn := pgtest.Get(t).NewDatabase(t)
	d := mustOpen(t, dsn)
	log := newLogs(t).logger()
	a, b := mustBroker(t, dsn, log.With("instance", "a")), mustBroker(t, dsn, log.With("instance", "b"))
	onA, onB := brokertest.Listen(t, a), brokertest.Listen(t, b)

	var want []pubsub.Message
	for i, publisher := range []pubsub.Broker{a, b, b, a, a, b, a, b, a, b} {
		m := pubsub.Message{Topic: fmt.Sprintf("order:%d", i), ID: i + 1}
		want = append(want, m)
		brokertest.Commit(t, d, publisher, m)
	}
	for name, r := range map[string]*brokertest.Recorder{"a": onA, "b": onB} {
		t.Run("deliveredBy_"+name, func(t *testing.T) { r.WaitMessages(t, want...) })
	}

	t.Run("rollback", func(t *testing.T) {
		lost, ok := brokertest.NewMessage(), brokertest.NewMessage()
		err := d.WithTx(t.Context(), func(ctx context.Context, tx *ent.Tx) error {
			if err := a.Publish(ctx, tx, lost); err != nil {
				return err
			}
			return fmt.Errorf("changed my mind")
		})
		if err == nil {
			t.Fatal("WithTx succeeded")
		}
		brokertest.Commit(t, d, a, ok)
		onB.WaitMessages(t, append(want, ok)...)
	})
}

// listeners counts the backends in dsn's database that a broker opened.
func listeners(t *testing.T, dsn string) int {
	t.Helper()
	pool, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	err = pool.QueryRowContext(t.Context(), `
		SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`,
		pgnotify.ApplicationName).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOneConnectionPerBroker checks handlers share their broker's listening
// connection, whichever form of connection string the broker was given.
func TestOneConnectionPerBroker(t *testing.T) {
	c := pgtest.Get(t)
	for name, keyValue := range map[string]bool{"url": false, "keyValue": true} {
		t.Run(name, func(t *testing.T) {
			dsn := c.NewDatabase(t)
			brokerDSN := dsn
			if keyValue {
				u, err := url.Parse(dsn)
				if err != nil {
					t.Fatal(err)
				}
				brokerDSN = fmt.Sprintf("host=%s port=%s user=postgres dbname=%s sslmode=disable",
					u.Hostname(), u.Port(), strings.TrimPrefix(u.Path, "/"))
			}
			d := mustOpen(t, dsn)
			log := newLogs(t).logger()
			var brokers []pubsub.Broker
			var recorders []*brokertest.Recorder
			for range 2 {
				b := mustBroker(t, brokerDSN, log)
				brokers = append(brokers, b)
				for range 50 {
					recorders = append(recorders, brokertest.Listen(t, b))
				}
			}
			m := brokertest.NewMessage()
			brokertest.Commit(t, d, brokers[0], m)
			for _, r := range recorders {
				r.WaitMessages(t, m)
			}
			if n := listeners(t, dsn); n != len(brokers) {
				t.Errorf("%d listening connections for %d brokers with 50 handlers each, want one per broker", n, len(brokers))
			}
		})
	}
}

// TestRestart restarts Postgres under a broker: it must reconnect by itself,
// tell its handlers to resync (what was sent meanwhile is lost), and deliver
// again.
func TestRestart(t *testing.T) {
	c := pgtest.Start(t)
	dsn := c.NewDatabase(t)
	logs := newLogs(t)
	b := mustBroker(t, dsn, logs.logger())
	r := brokertest.Listen(t, b)

	before := brokertest.NewMessage()
	brokertest.Commit(t, mustOpen(t, dsn), b, before)
	r.WaitMessages(t, before)

	if err := c.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	r.WaitFor(t, "a resync after the restart", func(_ []pubsub.Message, resyncs int) bool { return resyncs > 0 })

	// A new pool: the old one's connections died with the server.
	after := brokertest.NewMessage()
	brokertest.Commit(t, mustOpen(t, dsn), b, after)
	r.WaitMessages(t, before, after)

	for _, want := range []string{"listener disconnected", "listener reconnected"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// TestMalformedPayload sends notifications no broker wrote: they are logged
// and skipped, and delivery goes on.
func TestMalformedPayload(t *testing.T) {
	dsn := pgtest.Get(t).NewDatabase(t)
	d := mustOpen(t, dsn)
	logs := newLogs(t)
	b := mustBroker(t, dsn, logs.logger())
	r := brokertest.Listen(t, b)

	for _, payload := range []string{"not json", `{"t": 42}`, ""} {
		if _, err := d.SQL.ExecContext(t.Context(), "SELECT pg_notify($1, $2)", pgnotify.Channel, payload); err != nil {
			t.Fatal(err)
		}
	}
	// A newer instance may add fields during a rolling deploy: they are
	// ignored, not a reason to drop the message.
	if _, err := d.SQL.ExecContext(t.Context(), "SELECT pg_notify($1, $2)", pgnotify.Channel, `{"t":"order:1","i":7,"new":true}`); err != nil {
		t.Fatal(err)
	}
	m := brokertest.NewMessage()
	brokertest.Commit(t, d, b, m)
	r.WaitMessages(t, pubsub.Message{Topic: "order:1", ID: 7}, m)
	if got := strings.Count(logs.String(), "ignoring malformed notification"); got != 3 {
		t.Errorf("logged %d malformed notifications, want 3:\n%s", got, logs)
	}
}

// TestPayloadTooLarge checks Publish refuses what NOTIFY would, without
// spoiling the caller's transaction.
func TestPayloadTooLarge(t *testing.T) {
	dsn := pgtest.Get(t).NewDatabase(t)
	d := mustOpen(t, dsn)
	b := mustBroker(t, dsn, newLogs(t).logger())
	r := brokertest.Listen(t, b)

	huge := pubsub.Message{Topic: strings.Repeat("x", pgnotify.MaxPayload), ID: 1}
	ok := brokertest.NewMessage()
	err := d.WithTx(t.Context(), func(ctx context.Context, tx *ent.Tx) error {
		if err := b.Publish(ctx, tx, huge); err == nil {
			t.Error("Publish accepted a payload NOTIFY refuses")
		}
		return b.Publish(ctx, tx, ok)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.WaitMessages(t, ok)
}

// TestNewGivesUp points New at a server that is not there: it returns when
// its context ends, with the reason, and leaves nothing running.
func TestNewGivesUp(t *testing.T) {
	c := pgtest.Get(t)
	dsn := c.NewDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = "127.0.0.1:1" // nothing listens on port 1
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	b, err := pgnotify.New(ctx, u.String(), newLogs(t).logger())
	if err == nil {
		b.Close()
		t.Fatal("New succeeded without a server")
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("New's error does not say why it could not connect: %v", err)
	}
	leakcheck.Check(t)
}
