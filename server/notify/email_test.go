package notify_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// TestConfirmationContents: the order confirmation as the SMTP server
// receives it, on both databases: the headers (sender, recipient,
// subject, a Message-ID derived from the dedupe key, the kind), a plain
// text and an HTML part, and what issue 13 requires of a confirmation:
// first name, order number, each item with image, quantity and price,
// totals, expected delivery and method, a tracking button, the return
// policy with the return address. A product name with markup is escaped
// in the HTML part.
func TestConfirmationContents(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "leo@example.com", Number: "AC-3001", Items: 2})
		items := vars["input"].(map[string]any)["items"].([]any)
		items[1].(map[string]any)["name"] = "Mug <script>alert(1)</script>"
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
		got := mailbox.wait(t)
		m := s.messageOf(t, "AC-3001")

		h := got.Header
		for name, want := range map[string]string{
			"From":             `"Sample Shop" <orders@shop.example.com>`,
			"To":               "<leo@example.com>",
			"Subject":          "Order AC-3001 confirmed: thank you, Leo!",
			"Message-Id":       "<" + notify.MessageID(m.DedupeKey, "shop.example.com") + ">",
			"X-Aftercart-Kind": "ORDER_CONFIRMATION",
		} {
			if h.Get(name) != want {
				t.Errorf("header %s = %q, want %q", name, h.Get(name), want)
			}
		}
		if got.From != "orders@shop.example.com" || len(got.To) != 1 || got.To[0] != "leo@example.com" {
			t.Errorf("envelope from %q to %v", got.From, got.To)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "multipart/alternative") {
			t.Errorf("Content-Type %q, want multipart/alternative", h.Get("Content-Type"))
		}
		// Line 0: quantity 1 at 10.00; line 1: quantity 2 at 11.01.
		common := []string{"Leo", "AC-3001", "1 November 2026", "10.00 EUR", "11.01 EUR", "22.02 EUR",
			"Subtotal", "32.02 EUR", "4.90 EUR", "3.10 EUR", "40.02 EUR", "6 November 2026", "Standard delivery",
			"30 days, free returns.", returnAddress}
		for _, want := range append(common, "2 x Mug <script>alert(1)</script>", "https://shop.example.com/orders/AC-3001") {
			if !strings.Contains(got.Text, want) {
				t.Errorf("text part lacks %q:\n%s", want, got.Text)
			}
		}
		for _, want := range append(common, `<img src="https://img.example.com/0.jpg"`, "Mug &lt;script&gt;alert(1)&lt;/script&gt;",
			`class="tracking-button" href="https://shop.example.com/orders/AC-3001"`, "2 &times; 11.01 EUR") {
			if !strings.Contains(got.HTML, want) {
				t.Errorf("HTML part lacks %q:\n%s", want, got.HTML)
			}
		}
		if strings.Contains(got.HTML, "<script>") {
			t.Error("a product name's markup reached the HTML part unescaped")
		}
		// What was sent is kept: the preview shows the same.
		crlf := strings.NewReplacer("\r\n", "\n")
		if m.Subject == nil || *m.Subject != h.Get("Subject") || m.BodyText == nil ||
			strings.TrimSpace(*m.BodyText) != strings.TrimSpace(crlf.Replace(got.Text)) {
			t.Errorf("stored rendering differs from what was sent")
		}
	})
}

// TestSMTPRefusesThenRecovers, on both databases: an SMTP server that
// answers 421 fails the attempt (FAILED, its error kept, one WARN line
// without the message's content); the retry waits for the backoff on the
// server's clock and then sends it, once.
func TestSMTPRefusesThenRecovers(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		mailbox.setRefuse(1)
		s := mustServer(t, dbURL, mailbox.URL())
		events := s.jobEvents(t)
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-3101", Items: 1})

		e := waitEvent(t, events, river.EventKindJobFailed)
		m := s.messageOf(t, "AC-3101")
		if m.Status != message.StatusFAILED || m.Attempts != 1 || m.LastError == nil || !strings.Contains(*m.LastError, "421") {
			t.Fatalf("after a refusal: %s, %d attempts, last error %v", m.Status, m.Attempts, m.LastError)
		}
		if want := s.clock.Now().Add(time.Second); !e.Job.ScheduledAt.Equal(want) {
			t.Errorf("retry due at %s, want %s (1 s on the server's clock)", e.Job.ScheduledAt, want)
		}
		s.clock.Advance(time.Second)
		mailbox.wait(t)
		waitEvent(t, events, river.EventKindJobCompleted)
		m = s.messageOf(t, "AC-3101")
		if m.Status != message.StatusSENT || m.Attempts != 2 || m.LastError != nil {
			t.Errorf("after the retry: %s, %d attempts, last error %v", m.Status, m.Attempts, m.LastError)
		}
		if n := len(mailbox.received()); n != 1 {
			t.Errorf("received %d emails, want 1", n)
		}
		logs := s.Logs.String()
		if !strings.Contains(logs, "message attempt failed") || strings.Contains(logs, "Order AC-3101 confirmed") {
			t.Errorf("failure log:\n%s", logs)
		}
	})
}

// TestSMTPHangs: a server that accepts the connection and never answers
// fails the attempt after -smtp-timeout instead of holding the worker,
// and the message is retried.
func TestSMTPHangs(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	held := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held <- c // never greets
		}
	}()
	t.Cleanup(func() {
		for len(held) > 0 {
			_ = (<-held).Close()
		}
	})
	s := mustServer(t, "", "smtp://"+l.Addr().String(), func(c *app.Config) { c.Mail.SMTPTimeout = 300 * time.Millisecond })
	events := s.jobEvents(t)
	s.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "AC-3201", Items: 1})
	waitEvent(t, events, river.EventKindJobFailed)
	m := s.messageOf(t, "AC-3201")
	if m.Status != message.StatusFAILED || m.Attempts != 1 || m.LastError == nil {
		t.Fatalf("after a hung server: %s, %d attempts, last error %v", m.Status, m.Attempts, m.LastError)
	}
}

// TestDevModeKeepsMailInTheOutbox: with -dev nothing reaches the SMTP
// server, even one configured; the confirmation is rendered and recorded
// as sent by the outbox transport, for the admin SPA.
func TestDevModeKeepsMailInTheOutbox(t *testing.T) {
	mailbox := startSMTP(t)
	s := mustServer(t, "", mailbox.URL(), func(c *app.Config) { c.Dev = true })
	events := s.jobEvents(t)
	s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-3301", Items: 1})
	waitEvent(t, events, river.EventKindJobCompleted)
	m := s.messageOf(t, "AC-3301")
	if m.Status != message.StatusSENT || m.Transport == nil || *m.Transport != "outbox" || m.BodyHTML == nil ||
		!strings.Contains(*m.BodyHTML, "AC-3301") {
		t.Errorf("dev-mode confirmation: %s via %v", m.Status, m.Transport)
	}
	if n := len(mailbox.received()); n != 0 {
		t.Errorf("the SMTP server received %d emails in dev mode", n)
	}
}
