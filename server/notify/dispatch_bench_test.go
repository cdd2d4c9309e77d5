package notify_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// drainSize is how many emails BenchmarkDrain queues (issue 13: 10,000).
const drainSize = 10_000

// timedSMTP is a real SMTP server (emersion/go-smtp) that notes when it
// answered 250 to each message's DATA, by Message-ID.
type timedSMTP struct {
	addr string
	n    atomic.Int64
	mu   sync.Mutex
	at   map[string]time.Time
	all  chan struct{} // closed at want messages
	want int64
}

func startTimedSMTP(b *testing.B, want int) *timedSMTP {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &timedSMTP{addr: l.Addr().String(), at: map[string]time.Time{}, all: make(chan struct{}), want: int64(want)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &timedSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close() })
	return s
}

type timedSession struct{ s *timedSMTP }

func (ts *timedSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ts *timedSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ts *timedSession) Reset()                               {}
func (ts *timedSession) Logout() error                        { return nil }

func (ts *timedSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, m.Body); err != nil {
		return err
	}
	id := strings.Trim(m.Header.Get("Message-Id"), "<>")
	now := time.Now() // the 250 follows this return
	ts.s.mu.Lock()
	ts.s.at[id] = now
	ts.s.mu.Unlock()
	if ts.s.n.Add(1) == ts.s.want {
		close(ts.s.all)
	}
	return nil
}

// BenchmarkDrain measures how fast the dispatcher drains 10,000 queued
// emails into a real SMTP server on loopback: a campaign to 10,000
// customers is swept (queued in batches, with the real clock), then the
// server's own job system sends them with its poll. It prints messages/s
// (first queued to last 250) and the p50/p99 time from a message's
// queueing (created_at) to the SMTP server's 250. Three runs, so one
// invocation shows what each step gave: the notify queue with the old
// worker count (10) and one SMTP session per message, then sessions kept
// open (pooled), then the default worker count (notify.DefaultWorkers).
// AFTERCART_BENCH_DRAIN sets another message count (a quick profile on a
// loaded machine). Run it alone:
//
//	go test ./server/notify -run '^$' -bench BenchmarkDrain -benchtime 1x
func BenchmarkDrain(b *testing.B) {
	n := drainSize
	if v, err := strconv.Atoi(os.Getenv("AFTERCART_BENCH_DRAIN")); err == nil && v > 0 {
		n = v
	}
	for _, db := range []struct{ name, url string }{{"sqlite", ""}} {
		for _, v := range []struct {
			name       string
			workers    int
			sessionMax int // 0: the pool's own limit
		}{
			{"workers=10/session-per-message", 10, 1},
			{"workers=10/pooled", 10, 0},
			{fmt.Sprintf("workers=%d/pooled", notify.DefaultWorkers), notify.DefaultWorkers, 0},
		} {
			b.Run(db.name+"/"+v.name, func(b *testing.B) {
				if v.sessionMax > 0 {
					b.Cleanup(notify.SetSessionMax(v.sessionMax))
				}
				for range b.N {
					drainOnce(b, db.url, n, v.workers)
				}
			})
		}
	}
}

func drainOnce(b *testing.B, dbURL string, drainSize, workers int) {
	b.StopTimer()
	mailbox := startTimedSMTP(b, drainSize)
	s := testserver.Start(b, dbURL, func(c *app.Config) {
		c.Mail.SMTPURL, c.Mail.From, c.Mail.OrderURL, c.Mail.ReturnAddress = "smtp://"+mailbox.addr, mailFrom, orderURL, returnAddress
		c.Jobs.SweepInterval = -1 // the benchmark sweeps
		c.Mail.Workers = workers
		// Consent by default: under the consent gate's opt-in default a
		// campaign to customers who never said yes is all SKIPPED, and
		// the benchmark would wait for emails that never come.
		c.Mail.Rules.OptOut = true
	})
	ctx := auth.WithSystem(context.Background())
	bulk := make([]*ent.CustomerCreate, 0, 1000)
	for i := range drainSize {
		bulk = append(bulk, s.DB.Customer.Create().SetEmail(fmt.Sprintf("bench-%05d@example.com", i)).SetFirstName("Bench"))
		if len(bulk) == cap(bulk) {
			if err := s.DB.Customer.CreateBulk(bulk...).Exec(ctx); err != nil {
				b.Fatal(err)
			}
			bulk = bulk[:0]
		}
	}
	c, err := s.Notify.CreateCampaign(ctx, notify.CampaignInput{Name: "bench",
		Template: notify.Template{Subject: "Hello {{.FirstName}}", HTML: "<p>Hello {{.FirstName}}</p>", Text: "Hello {{.FirstName}}"}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Notify.ScheduleCampaign(ctx, c.ID, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	start := time.Now()
	if err := s.Jobs.Sweep(ctx); err != nil {
		b.Fatal(err)
	}
	swept := time.Since(start)
	select {
	case <-mailbox.all:
	case <-time.After(15 * time.Minute):
		b.Fatalf("only %d of %d emails within 15 minutes", mailbox.n.Load(), drainSize)
	}
	b.StopTimer()
	ms, err := s.DB.Message.Query().Where(message.KindEQ(message.KindCAMPAIGN)).All(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	var first, last time.Time
	mailbox.mu.Lock()
	for _, m := range ms {
		at, ok := mailbox.at[notify.MessageID(m.DedupeKey, "shop.example.com")]
		if !ok {
			continue
		}
		lat = append(lat, at.Sub(m.CreatedAt))
		if first.IsZero() || m.CreatedAt.Before(first) {
			first = m.CreatedAt
		}
		if at.After(last) {
			last = at
		}
	}
	mailbox.mu.Unlock()
	if len(lat) != drainSize {
		b.Fatalf("matched %d of %d emails to their messages", len(lat), drainSize)
	}
	total := last.Sub(first)
	b.ReportMetric(float64(drainSize)/total.Seconds(), "msgs/s")
	b.ReportMetric(testserver.Millis(testserver.Percentile(lat, 0.50)), "p50-ms")
	b.ReportMetric(testserver.Millis(testserver.Percentile(lat, 0.99)), "p99-ms")
	b.Logf("%d workers, %d emails: queued by the campaign sweep in %s; first queued to last 250 in %s (%.0f msgs/s); queue→250 p50 %.0f ms, p99 %.0f ms; server CPU %s",
		workers, drainSize, swept.Round(time.Millisecond), total.Round(time.Millisecond), float64(drainSize)/total.Seconds(),
		testserver.Millis(testserver.Percentile(lat, 0.50)), testserver.Millis(testserver.Percentile(lat, 0.99)),
		testserver.SelfCPUTime(b).Round(time.Millisecond))
}
