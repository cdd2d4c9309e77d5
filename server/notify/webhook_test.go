package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/hooks"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// providerSecret signs the WEBHOOK channel's requests in these tests.
const providerSecret = "provider-secret"

// provider is a real HTTP server (httptest) standing for an SMS or push
// gateway: it answers each request with the next scripted status (the
// last repeats; 0 hangs until the client gives up) and verifies every
// signature.
type provider struct {
	*httptest.Server
	now func() time.Time
	got chan providerGot

	mu      sync.Mutex
	answers []int
	n       int
}

// providerGot is one request the provider took.
type providerGot struct {
	EventID, Event string
	Verified       bool
	Payload        notify.WebhookPayload
}

func startProvider(t *testing.T, now func() time.Time, answers ...int) *provider {
	t.Helper()
	p := &provider{now: now, got: make(chan providerGot, 100), answers: answers}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g := providerGot{EventID: r.Header.Get(hooks.EventIDHeader), Event: r.Header.Get(hooks.EventHeader),
			Verified: hooks.Verify([]byte(providerSecret), r.Header.Get(hooks.TimestampHeader), r.Header.Get(hooks.SignatureHeader), body, p.now(), 0)}
		_ = json.Unmarshal(body, &g.Payload)
		p.mu.Lock()
		answer := p.answers[0]
		if len(p.answers) > 1 {
			p.answers = p.answers[1:]
		}
		p.n++
		p.mu.Unlock()
		p.got <- g
		if answer == 0 {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(answer)
	}))
	t.Cleanup(p.Close)
	return p
}

// wait returns the next request the provider took. On a timeout, the
// test fails with what explain says (nil: nothing more), e.g. where the
// awaited message stands (describeMessage).
func (p *provider) wait(t *testing.T, explain ...func() string) providerGot {
	t.Helper()
	select {
	case g := <-p.got:
		return g
	case <-time.After(waitBound):
		why := ""
		for _, f := range explain {
			why += "; " + f()
		}
		t.Fatalf("no provider request within %s%s", waitBound, why)
		return providerGot{}
	}
}

func (p *provider) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// queueWebhook queues an ORDER_CONFIRMATION on the WEBHOOK channel for
// order number, as a journey would, in a transaction of its own.
func (s *testServer) queueWebhook(t *testing.T, number, key string) (id int, queued bool) {
	t.Helper()
	// The email confirmation: its customer and order.
	o, err := s.DB.Message.Query().Where(message.HasOrderWith(order.Number(number)), message.ChannelEQ(message.ChannelEMAIL)).Only(sys(t))
	if err != nil {
		t.Fatal(err)
	}
	err = s.DB.WithTx(sys(t), func(ctx context.Context, tx *ent.Tx) error {
		var err error
		id, queued, err = s.Notify.Queue(ctx, tx, notify.Msg{Kind: message.KindORDER_CONFIRMATION, Channel: message.ChannelWEBHOOK,
			DedupeKey: key, Recipient: "+4915100000000", CustomerID: o.CustomerID, OrderID: o.OrderID, Journey: "order_confirmation"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, queued
}

// TestWebhookChannel, on both databases, against a real HTTP provider: a
// WEBHOOK message goes as a signed JSON POST carrying the kind, the
// customer's reference, the rendered title and text and the order number;
// a 500 and a hang past the timeout fail their attempts (FAILED, retried
// with the job system's backoff on the server's clock), the third attempt
// gets a 200 and the message is SENT by the "webhook" transport. Every
// attempt carries the same event id. Queueing the same dedupe key again
// queues nothing.
func TestWebhookChannel(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		var s *testServer
		prov := startProvider(t, func() time.Time { return s.clock.Now() }, 500, 0, 200)
		s = mustServer(t, dbURL, mailbox.URL(), func(c *app.Config) {
			c.Mail.Webhook = notify.WebhookConfig{URL: prov.URL, Secret: providerSecret, Timeout: 300 * time.Millisecond}
		})
		events := s.jobEvents(t)
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "leo@example.com", Number: "AC-8001", Items: 1})
		vars["input"].(map[string]any)["customer"].(map[string]any)["externalId"] = "crm-leo-42"
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
		mailbox.wait(t)
		waitEvent(t, events, river.EventKindJobCompleted) // the email

		id, queued := s.queueWebhook(t, "AC-8001", "order:AC-8001:confirmation:WEBHOOK")
		if !queued {
			t.Fatal("not queued")
		}
		first := prov.wait(t)
		waitEvent(t, events, river.EventKindJobFailed)
		m, err := s.DB.Message.Get(sys(t), id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != message.StatusFAILED || m.Attempts != 1 || m.LastError == nil || !strings.Contains(*m.LastError, "500") {
			t.Fatalf("after a 500: %s, %d attempts, %v", m.Status, m.Attempts, m.LastError)
		}
		s.clock.Advance(time.Second)
		second := prov.wait(t) // hangs past the 300 ms timeout
		waitEvent(t, events, river.EventKindJobFailed)
		s.clock.Advance(2 * time.Second)
		third := prov.wait(t)
		waitEvent(t, events, river.EventKindJobCompleted)

		m, _ = s.DB.Message.Get(sys(t), id)
		if m.Status != message.StatusSENT || m.Attempts != 3 || m.Transport == nil || *m.Transport != "webhook" || m.LastError != nil {
			t.Errorf("after the third attempt: %s, %d attempts, via %v, %v", m.Status, m.Attempts, m.Transport, m.LastError)
		}
		for i, g := range []providerGot{first, second, third} {
			if !g.Verified || g.EventID != first.EventID || g.EventID != first.Payload.ID || g.Event != "ORDER_CONFIRMATION" {
				t.Errorf("request %d: %+v", i+1, g)
			}
		}
		p := first.Payload
		if p.Kind != "ORDER_CONFIRMATION" || p.Customer == nil || p.Customer.Reference == nil || *p.Customer.Reference != "crm-leo-42" ||
			p.OrderNumber == nil || *p.OrderNumber != "AC-8001" || p.Title != "Order AC-8001 confirmed" ||
			!strings.Contains(p.Text, "AC-8001") || p.Recipient != "+4915100000000" || !p.Transactional {
			t.Errorf("payload: %+v", p)
		}

		// The same cause again: nothing new.
		again, queued := s.queueWebhook(t, "AC-8001", "order:AC-8001:confirmation:WEBHOOK")
		if queued || again != id {
			t.Errorf("requeue: queued %v, id %d (want the existing %d)", queued, again, id)
		}
		if n, err := s.DB.Message.Query().Where(message.ChannelEQ(message.ChannelWEBHOOK)).Count(sys(t)); err != nil || n != 1 {
			t.Errorf("%d WEBHOOK messages, want 1 (%v)", n, err)
		}
	})
}

// TestWebhookChannelFinal4xx: a provider's 422 is final: the message is
// DEAD after one attempt with the status in last_error, and staff can
// retry it.
func TestWebhookChannelFinal4xx(t *testing.T) {
	mailbox := startSMTP(t)
	var s *testServer
	prov := startProvider(t, func() time.Time { return s.clock.Now() }, 422)
	s = mustServer(t, "", mailbox.URL(), func(c *app.Config) {
		c.Mail.Webhook = notify.WebhookConfig{URL: prov.URL, Secret: providerSecret, Timeout: time.Second}
	})
	events := s.jobEvents(t)
	s.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "AC-8101", Items: 1})
	mailbox.wait(t)
	waitEvent(t, events, river.EventKindJobCompleted)
	id, _ := s.queueWebhook(t, "AC-8101", "order:AC-8101:confirmation:WEBHOOK")
	prov.wait(t)
	waitEvent(t, events, river.EventKindJobCancelled)
	m, err := s.DB.Message.Get(sys(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != message.StatusDEAD || m.Attempts != 1 || m.LastError == nil || !strings.Contains(*m.LastError, "422") {
		t.Fatalf("after a 422: %s, %d attempts, %v", m.Status, m.Attempts, m.LastError)
	}
	if prov.count() != 1 {
		t.Errorf("the provider got %d requests, want 1", prov.count())
	}
}
