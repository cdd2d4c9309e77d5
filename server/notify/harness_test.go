package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jonboulle/clockwork"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// waitBound is how long a test waits for what should happen within a poll
// or two before it fails; nothing is measured against it.
const waitBound = 20 * time.Second

// Settings every test server gets.
const (
	mailFrom      = "Sample Shop <orders@shop.example.com>"
	orderURL      = "https://shop.example.com/orders/{number}"
	returnAddress = "Sample Shop Returns, 1 Dock Road, 10115 Berlin"
)

// testServer is the real server on a fake clock, mailing to a real SMTP
// server.
type testServer struct {
	*testserver.Server
	clock *clockwork.FakeClock
}

// mustServer starts the real server with a fake clock, a short poll, a
// backoff of attempt seconds (on that clock), three attempts per message,
// mail to smtpURL, and marketing consent by default (opt-out: the
// journeys' own tests are about timing and contents; the consent gate's
// tests set their Rules).
func mustServer(t *testing.T, dbURL, smtpURL string, configure ...func(*app.Config)) *testServer {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Now().Truncate(time.Second))
	base := func(c *app.Config) {
		c.Clock = clock
		c.Jobs.PollInterval = 20 * time.Millisecond
		c.Jobs.Backoff = func(attempt int) time.Duration { return time.Duration(attempt) * time.Second }
		c.Mail.SMTPURL, c.Mail.From, c.Mail.SMTPTimeout, c.Mail.MaxAttempts = smtpURL, mailFrom, 5*time.Second, 3
		c.Mail.OrderURL, c.Mail.ReturnAddress = orderURL, returnAddress
		c.Mail.Rules.OptOut = true
	}
	return &testServer{Server: testserver.Start(t, dbURL, append([]func(*app.Config){base}, configure...)...), clock: clock}
}

// sys is a context that sees everything.
func sys(t *testing.T) context.Context { return auth.WithSystem(t.Context()) }

// messageOf returns the one email about order number.
func (s *testServer) messageOf(t *testing.T, number string) *ent.Message {
	t.Helper()
	m, err := s.DB.Message.Query().Where(message.HasOrderWith(order.Number(number)), message.ChannelEQ(message.ChannelEMAIL)).Only(sys(t))
	if err != nil {
		t.Fatalf("the message of order %s: %v", number, err)
	}
	return m
}

// watch says which finished jobs jobEvents delivers.
type watch struct {
	// inApp keeps the dispatches of in-app messages. They are left out by
	// default: every confirmation has one beside its email, and most
	// tests wait for what their mailbox or webhook receiver sees.
	inApp bool
	// also are more servers on the same database, whose jobs count too
	// (each distinct server is subscribed to once).
	also []*testServer
}

// jobEvents returns the River events of jobs that finished an attempt
// (completed, failed, cancelled) on s (and opt's other servers), until
// the test ends. Subscribe before anything the test waits for can
// finish, so no event is missed.
func (s *testServer) jobEvents(t *testing.T, opt ...watch) <-chan *river.Event {
	t.Helper()
	var o watch
	if len(opt) > 0 {
		o = opt[0]
	}
	out := make(chan *river.Event, 1000)
	seen := map[*testServer]bool{}
	for _, srv := range append([]*testServer{s}, o.also...) {
		if seen[srv] {
			continue
		}
		seen[srv] = true
		ch, cancel := srv.Jobs.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for e := range ch {
				if !o.inApp && e.Job != nil && e.Job.Kind == "notify.send" && srv.isInAppJob(e.Job) {
					continue
				}
				out <- e
			}
		}()
		t.Cleanup(func() { cancel(); <-done })
	}
	return out
}

// waitJobs waits until a dispatch job of each message id has finished an
// attempt (completed, failed or cancelled), reading events (jobEvents).
// What the attempt did, the test reads from the messages.
func waitJobs(t *testing.T, events <-chan *river.Event, ids ...int) {
	t.Helper()
	left := map[int]bool{}
	for _, id := range ids {
		left[id] = true
	}
	deadline := time.After(waitBound)
	for len(left) > 0 {
		select {
		case e := <-events:
			var args notify.SendArgs
			if e.Job != nil && e.Job.Kind == "notify.send" && json.Unmarshal(e.Job.EncodedArgs, &args) == nil {
				delete(left, args.MessageID)
			}
		case <-deadline:
			t.Fatalf("the dispatch jobs of messages %v did not finish within %s", left, waitBound)
		}
	}
}

// waitDone waits until the dispatch jobs of the messages with keys have
// finished (waitJobs).
func (s *testServer) waitDone(t *testing.T, events <-chan *river.Event, keys ...string) {
	t.Helper()
	var ids []int
	for _, k := range keys {
		m, err := s.DB.Message.Query().Where(message.DedupeKey(k)).Only(sys(t))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	waitJobs(t, events, ids...)
}

// waitSettled waits until every message about order number that is being
// dispatched (QUEUED without a due time, or FAILED) has finished.
func (s *testServer) waitSettled(t *testing.T, events <-chan *river.Event, number string) {
	t.Helper()
	ids, err := s.DB.Message.Query().Where(message.HasOrderWith(order.Number(number)),
		message.Or(message.And(message.StatusEQ(message.StatusQUEUED), message.DueAtIsNil()),
			message.StatusEQ(message.StatusFAILED))).IDs(sys(t))
	if err != nil {
		t.Fatal(err)
	}
	waitJobs(t, events, ids...)
}

// isInAppJob reports whether the dispatch job j is an in-app
// notification's.
func (s *testServer) isInAppJob(j *rivertype.JobRow) bool {
	var args notify.SendArgs
	if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
		return false
	}
	m, err := s.DB.Message.Get(auth.WithSystem(context.Background()), args.MessageID)
	return err == nil && m.Channel == message.ChannelIN_APP
}

// describeMessage says where message id stands, for a test that timed
// out waiting for it: the row's status, skip reason, due time, attempts,
// last error and transport, and each of its dispatch jobs' River state,
// attempts, errors and which client worked it (attemptedBy names s's
// own client as "this server"; any other is a second server on the same
// database).
func (s *testServer) describeMessage(t *testing.T, id int) string {
	t.Helper()
	var b strings.Builder
	m, err := s.DB.Message.Get(sys(t), id)
	if err != nil {
		return fmt.Sprintf("message %d: %v", id, err)
	}
	fmt.Fprintf(&b, "message %d %s %s: status %s, skip %q, due_at %v, attempts %d/%d, last_attempt_at %v, last_error %q, transport %q, now %v",
		m.ID, m.Kind, m.Channel, m.Status, deref(m.SkipReason), m.DueAt, m.Attempts, m.MaxAttempts, m.LastAttemptAt,
		deref(m.LastError), deref(m.Transport), s.clock.Now())
	res, err := s.Jobs.Client().JobList(sys(t), river.NewJobListParams().Kinds(notify.SendArgs{}.Kind()).First(10_000))
	if err != nil {
		return b.String() + fmt.Sprintf("; jobs: %v", err)
	}
	self := s.Jobs.Client().ID()
	for _, j := range res.Jobs {
		var args notify.SendArgs
		if json.Unmarshal(j.EncodedArgs, &args) != nil || args.MessageID != id {
			continue
		}
		by := make([]string, len(j.AttemptedBy))
		for i, c := range j.AttemptedBy {
			by[i] = c
			if c == self {
				by[i] = "this server"
			}
		}
		fmt.Fprintf(&b, "; job %d in %s: %s, attempt %d/%d, scheduled_at %v, attempted_by %v, errors %v",
			j.ID, j.Queue, j.State, j.Attempt, j.MaxAttempts, j.ScheduledAt, by, j.Errors)
	}
	return b.String()
}

// waitEvent returns the next event of ch of kind for a notify.send job.
func waitEvent(t *testing.T, ch <-chan *river.Event, kind river.EventKind) *river.Event {
	t.Helper()
	deadline := time.After(waitBound)
	for {
		select {
		case e := <-ch:
			if e.Kind == kind && e.Job != nil && e.Job.Kind == "notify.send" {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event of a notify.send job within %s", kind, waitBound)
			return nil
		}
	}
}

// received is one email the SMTP server took.
type received struct {
	From   string
	To     []string
	Header mail.Header
	// Text and HTML are the decoded parts of a multipart/alternative body.
	Text, HTML string
}

// smtpServer is a real SMTP server (emersion/go-smtp) on a loopback port,
// keeping what it receives. refuse, while positive, answers MAIL FROM
// with 421 and counts down (a server that is busy, then recovers).
type smtpServer struct {
	addr string
	got  chan received

	mu     sync.Mutex
	all    []received
	refuse int
	// onData, when set, runs for each email before the server answers
	// 250 (the test's hook into the moment between send and record).
	onData func(received)
}

// startSMTP starts an SMTP server until the test ends.
func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{addr: l.Addr().String(), got: make(chan received, 10_000)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is the server's -smtp-url.
func (s *smtpServer) URL() string { return "smtp://" + s.addr }

// setRefuse makes the next n sessions fail with 421.
func (s *smtpServer) setRefuse(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = n
}

// received returns everything received so far.
func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.all...)
}

// wait returns the next email received.
func (s *smtpServer) wait(t *testing.T) received {
	t.Helper()
	select {
	case r := <-s.got:
		return r
	case <-time.After(waitBound):
		t.Fatalf("no email within %s", waitBound)
		return received{}
	}
}

// session is one SMTP conversation.
type session struct {
	s    *smtpServer
	from string
	to   []string
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.refuse > 0 {
		ss.s.refuse--
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	rec, err := parseEmail(raw)
	if err != nil {
		return err
	}
	rec.From, rec.To = ss.from, ss.to
	ss.s.mu.Lock()
	ss.s.all = append(ss.s.all, rec)
	hook := ss.s.onData
	ss.s.mu.Unlock()
	if hook != nil {
		hook(rec)
	}
	ss.s.got <- rec
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// parseEmail reads an email's headers and its text and HTML parts.
func parseEmail(raw []byte) (received, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return received{}, err
	}
	rec := received{Header: m.Header}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return rec, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return rec, errors.New("not multipart: " + mt)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			return rec, nil
		}
		if err != nil {
			return rec, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return rec, err
		}
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			rec.Text = string(b)
		case "text/html":
			rec.HTML = string(b)
		}
	}
}
