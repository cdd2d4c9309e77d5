package pgnotify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/internal/fanout"
)

// Channel is the Postgres notification channel all instances share.
const Channel = "aftercart_changes"

// MaxPayload is the size Postgres refuses a NOTIFY payload at (it must be
// shorter than 8000 bytes in the default configuration).
const MaxPayload = 8000

// ApplicationName labels the listening connection in pg_stat_activity, so an
// operator can tell it from the pool's connections. It is passed as
// fallback_application_name: an application_name in the DSN wins.
const ApplicationName = "aftercart-pubsub"

// Reconnect backoff of the listening connection. The maximum is short because
// every second without a connection is a second of notifications that only a
// Resync recovers, and a reconnect attempt costs the server little.
const (
	minReconnect = 100 * time.Millisecond
	maxReconnect = 2 * time.Second
)

// ErrClosed is returned by Publish after Close. It carries the UNAVAILABLE
// code: brokers close only at shutdown, so the client should retry.
var ErrClosed = fanout.ErrClosed

// Broker is the Postgres LISTEN/NOTIFY pubsub.Broker. Create it with New; it
// is safe for concurrent use.
type Broker struct {
	log      *slog.Logger
	listener *pq.Listener
	handlers fanout.Set

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

var _ pubsub.Broker = (*Broker)(nil)

// New connects to the database at dsn (a URL or key=value connection
// string), starts listening on Channel and returns once LISTEN is in place,
// so nothing committed after New returns is missed. While the database is
// unreachable it keeps retrying until ctx ends, which bounds only this
// start-up: the Broker then lives until Close.
func New(ctx context.Context, dsn string, log *slog.Logger) (*Broker, error) {
	return newBroker(ctx, dsn, log)
}

func newBroker(ctx context.Context, dsn string, log *slog.Logger) (*Broker, error) {
	if log == nil {
		log = slog.Default()
	}
	b := &Broker{log: log.With("component", "pgnotify")}

	// The callback runs on the Listener's goroutine: it only logs, and
	// keeps the last failure to explain a start-up that times out.
	var lastErr atomic.Pointer[error]
	b.listener = pq.NewListener(withApplicationName(dsn), minReconnect, maxReconnect,
		func(ev pq.ListenerEventType, err error) {
			if err != nil {
				lastErr.Store(&err)
			}
			b.logEvent(ev, err)
		})

	listened := make(chan error, 1)
	go func() { listened <- b.listener.Listen(Channel) }()
	select {
	case err := <-listened:
		if err != nil {
			b.abort()
			return nil, fmt.Errorf("pgnotify: LISTEN %s: %w", Channel, err)
		}
	case <-ctx.Done():
		b.abort()
		<-listened // Close made it return
		err := ctx.Err()
		if last := lastErr.Load(); last != nil {
			err = fmt.Errorf("%w (last connection error: %v)", err, *last)
		}
		return nil, fmt.Errorf("pgnotify: connecting the listener: %w", err)
	}

	b.wg.Add(1)
	go b.deliver()
	return b, nil
}

// abort releases the Listener when New fails. The Listener's goroutine exits
// only after it has closed Notify, which it may first need to send on.
func (b *Broker) abort() {
	_ = b.listener.Close()
	for range b.listener.Notify {
	}
}

// withApplicationName adds fallback_application_name to dsn unless it already
// names one.
func withApplicationName(dsn string) string {
	if strings.Contains(dsn, "fallback_application_name") {
		return dsn
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn // let lib/pq report the malformed URL
		}
		q := u.Query()
		q.Set("fallback_application_name", ApplicationName)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn) + " fallback_application_name=" + ApplicationName
}

// Publish sends m with pg_notify inside tx, so Postgres delivers it to every
// instance when, and only if, tx commits. Postgres folds identical
// notifications sent in one transaction into one; distinct change-log ids
// keep messages distinct.
func (b *Broker) Publish(ctx context.Context, tx *ent.Tx, m pubsub.Message) error {
	if tx == nil {
		return fanout.ErrNilTx
	}
	if b.closed.Load() {
		return ErrClosed
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("pgnotify: encoding message: %w", err)
	}
	// Checked here rather than left to Postgres: its error would abort the
	// caller's transaction with a less obvious message.
	if len(payload) >= MaxPayload {
		return fmt.Errorf("pgnotify: message for topic %.40q… is %d bytes encoded; NOTIFY takes less than %d", m.Topic, len(payload), MaxPayload)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_notify('"+Channel+"', $1)", string(payload)); err != nil {
		return fmt.Errorf("pgnotify: publishing: %w", err)
	}
	return nil
}

// Listen registers h until stop is called; see pubsub.Broker.
func (b *Broker) Listen(h pubsub.Handler) (stop func()) { return b.handlers.Add(h) }

// Close stops delivery, closes the listening connection and waits for the
// Broker's goroutines, including a handler call in progress. Calling it again
// returns the first call's result.
func (b *Broker) Close() error {
	// No pinger runs: lib/pq's Listener.Ping holds the listener's lock while
	// it waits for a reply that queues behind undelivered notifications (or
	// a silent network), and Close needs that lock, so a ping could hold up
	// shutdown indefinitely. A restarted Postgres closes the socket, which
	// the listener notices at once; a silently dead peer is caught by the
	// TCP keepalive Go enables on every connection.
	b.closeOnce.Do(func() {
		b.closed.Store(true)
		if err := b.listener.Close(); err != nil {
			b.closeErr = fmt.Errorf("pgnotify: closing the listener: %w", err)
		}
		b.wg.Wait()
	})
	return b.closeErr
}

// deliver is the delivery goroutine. It reads the Listener's channel until
// the Listener closes it, which only happens after Close: the Listener
// blocks sending to it, so it must be drained even once delivery stopped.
func (b *Broker) deliver() {
	defer b.wg.Done()
	for n := range b.listener.Notify {
		if b.closed.Load() {
			continue
		}
		if n == nil {
			// lib/pq sends nil right after ListenerEventReconnected, on
			// this same channel. Resyncing here rather than in the event
			// callback keeps every handler call on this goroutine, and
			// resyncs once per reconnect rather than twice.
			b.log.Info("listener reconnected: notifications sent meanwhile are lost; resyncing", "handlers", b.handlers.Len())
			b.handlers.Resync()
			continue
		}
		if n.Channel != Channel {
			continue
		}
		var m pubsub.Message
		if err := json.Unmarshal([]byte(n.Extra), &m); err != nil {
			b.log.Warn("ignoring malformed notification", "payload", truncate(n.Extra, 200), "sender_pid", n.BePid, "err", err)
			continue
		}
		b.handlers.Notify(m)
	}
}

func (b *Broker) logEvent(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventConnected:
		b.log.Info("listener connected", "channel", Channel)
	case pq.ListenerEventReconnected:
		b.log.Info("listener reconnected", "channel", Channel)
	case pq.ListenerEventDisconnected:
		if b.closed.Load() {
			return // our own Close
		}
		b.log.Warn("listener disconnected; reconnecting", "err", err)
	case pq.ListenerEventConnectionAttemptFailed:
		if b.closed.Load() {
			return
		}
		b.log.Warn("listener connection attempt failed", "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
