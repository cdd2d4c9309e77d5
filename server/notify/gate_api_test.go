package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messageevent"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// marketingTemplate is the test marketing kind's template: a greeting, a
// link, and the visible unsubscribe link every marketing kind shows.
var marketingTemplate = notify.Template{
	Subject: "Care tips for you, {{.FirstName}}",
	Text:    "Hi {{.FirstName}}, read {{.Link}}\n{{if .UnsubscribeURL}}Unsubscribe: {{.UnsubscribeURL}}{{end}}\n",
	HTML:    `<html><body><p>Hi {{.FirstName}}, <a href="{{.Link}}">read this</a></p>{{if .UnsubscribeURL}}<p><a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>{{end}}</body></html>`,
}

// pester is a test server for the rules, with the marketing template
// saved and the dispatch job's events.
type pester struct {
	*testServer
	mailbox *smtpServer
	events  <-chan *river.Event
}

// mustPester starts a server with rules r, mailing to a real SMTP server.
func mustPester(t *testing.T, dbURL string, r notify.Rules) *pester {
	t.Helper()
	mailbox := startSMTP(t)
	s := mustServer(t, dbURL, mailbox.URL(), func(c *app.Config) { c.Mail.Rules = r })
	p := &pester{testServer: s, mailbox: mailbox, events: s.jobEvents(t)}
	var out struct {
		SaveMessageTemplate struct{ Template struct{ IsDefault bool } }
	}
	s.GQL(t, s.Token(t, auth.RoleAdmin, ""), `mutation($in: SaveMessageTemplateInput!) { saveMessageTemplate(input: $in) { template { isDefault } } }`,
		map[string]any{"in": map[string]any{"kind": string(notify.TestMarketingKind), "channel": "EMAIL",
			"subject": marketingTemplate.Subject, "text": marketingTemplate.Text, "html": marketingTemplate.HTML}}).MustOK(t, &out)
	return p
}

// customer imports an order for email (its confirmation is sent and
// waited for) and returns the customer's id.
func (p *pester) customer(t *testing.T, email, number string) int {
	t.Helper()
	p.MustImport(t, testserver.OrderSpec{Email: email, Number: number, Items: 1})
	p.mailbox.wait(t)
	waitEvent(t, p.events, river.EventKindJobCompleted)
	return p.DB.Customer.Query().Where(customer.Email(email)).OnlyIDX(sys(t))
}

// queue queues a message of the test marketing kind (transactional when
// marketing is false) to customer id in journey, and waits for its
// dispatch job; it returns the message as it stands then.
func (p *pester) queue(t *testing.T, id int, key, journey string, marketing bool) *ent.Message {
	t.Helper()
	ctx := sys(t)
	cu := p.DB.Customer.GetX(ctx, id)
	var mid int
	err := p.DB.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		var err error
		mid, _, err = p.Notify.Queue(ctx, tx, notify.Msg{Kind: notify.TestMarketingKind, Channel: message.ChannelEMAIL,
			DedupeKey: key, Recipient: cu.Email, CustomerID: &id, Journey: journey, Marketing: marketing})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p.events, river.EventKindJobCompleted)
	return p.DB.Message.GetX(ctx, mid)
}

// sweep runs the job system's sweeps once.
func (p *pester) sweep(t *testing.T) {
	t.Helper()
	if err := p.Jobs.Sweep(sys(t)); err != nil {
		t.Fatal(err)
	}
}

// exempt returns m's EXEMPT events' details.
func (p *pester) exempt(t *testing.T, m *ent.Message) []string {
	t.Helper()
	evs := p.DB.MessageEvent.Query().Where(messageevent.MessageID(m.ID), messageevent.TypeEQ(messageevent.TypeEXEMPT)).AllX(sys(t))
	var out []string
	for _, e := range evs {
		out = append(out, *e.Detail)
	}
	return out
}

// wantStatus fails unless m has status (and, when skip is set, a skip
// reason containing it).
func wantStatus(t *testing.T, m *ent.Message, status message.Status, skip string) {
	t.Helper()
	if m.Status != status || (skip != "" && (m.SkipReason == nil || !strings.Contains(*m.SkipReason, skip))) {
		t.Fatalf("message %s: status %s, skip reason %q; want %s with %q", m.DedupeKey, m.Status, deref(m.SkipReason), status, skip)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestWeeklyCap: beyond the cap a marketing message is SKIPPED and says
// why; a transactional one goes and records that it was exempt; the
// window rolls.
func TestWeeklyCap(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		p := mustPester(t, dbURL, notify.Rules{OptOut: true, WeeklyCap: 2})
		id := p.customer(t, "ana@example.com", "AC-3001")
		for i := range 2 {
			wantStatus(t, p.queue(t, id, fmt.Sprintf("cap:%d", i), "content", true), message.StatusSENT, "")
			p.mailbox.wait(t)
			p.clock.Advance(time.Hour)
		}
		third := p.queue(t, id, "cap:2", "content", true)
		wantStatus(t, third, message.StatusSKIPPED, "weekly cap reached: 2 marketing messages in the last 7 days (cap 2)")
		tx := p.queue(t, id, "cap:transactional", "content", false)
		wantStatus(t, tx, message.StatusSENT, "")
		p.mailbox.wait(t)
		if ex := p.exempt(t, tx); len(ex) != 1 || !strings.Contains(ex[0], "weekly cap reached") || !strings.Contains(ex[0], "transactional messages are exempt") {
			t.Errorf("the transactional message's EXEMPT events: %q", ex)
		}
		// A week after the first, one slot is free again.
		p.clock.Advance(7*24*time.Hour - 2*time.Hour + time.Minute)
		wantStatus(t, p.queue(t, id, "cap:3", "content", true), message.StatusSENT, "")
		p.mailbox.wait(t)
		wantStatus(t, p.queue(t, id, "cap:4", "content", true), message.StatusSKIPPED, "weekly cap reached")
		if n := len(p.mailbox.received()); n != 1+2+1+1 {
			t.Errorf("%d emails received, want 5 (confirmation, 2 marketing, transactional, 1 marketing)", n)
		}
	})
}

// TestJourneyGap: the second message of a journey waits until the gap
// has passed since the first, then goes; another journey is not held;
// an urgent kind is never held.
func TestJourneyGap(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		p := mustPester(t, dbURL, notify.Rules{OptOut: true, WeeklyCap: -1, JourneyGap: 24 * time.Hour})
		id := p.customer(t, "leo@example.com", "AC-3101")
		first := p.queue(t, id, "gap:1", "content", true)
		wantStatus(t, first, message.StatusSENT, "")
		p.mailbox.wait(t)
		p.clock.Advance(time.Hour)
		second := p.queue(t, id, "gap:2", "content", true)
		if second.Status != message.StatusQUEUED || second.DueAt == nil || !second.DueAt.Equal(first.SentAt.Add(24*time.Hour)) {
			t.Fatalf("second message of the journey: %s due %v; want QUEUED until %v", second.Status, second.DueAt, first.SentAt.Add(24*time.Hour))
		}
		wantStatus(t, p.queue(t, id, "gap:other", "win_back", true), message.StatusSENT, "")
		p.mailbox.wait(t)
		// A second order's confirmation (its own journey, urgent) goes at once.
		p.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "AC-3102", Items: 1})
		p.mailbox.wait(t)
		waitEvent(t, p.events, river.EventKindJobCompleted)

		p.clock.Advance(22 * time.Hour) // 23 h after the first: still waiting
		p.sweep(t)
		if m := p.DB.Message.GetX(sys(t), second.ID); m.Status != message.StatusQUEUED {
			t.Fatalf("an hour before the gap ends: %s", m.Status)
		}
		p.clock.Advance(time.Hour)
		p.sweep(t)
		got := p.mailbox.wait(t)
		waitEvent(t, p.events, river.EventKindJobCompleted)
		if m := p.DB.Message.GetX(sys(t), second.ID); m.Status != message.StatusSENT || !strings.HasPrefix(got.Header.Get("Subject"), "Care tips") {
			t.Errorf("after the gap: %s, mail %q", m.Status, got.Header.Get("Subject"))
		}
	})
}

// TestQuietHours: in the customer's night (their time zone, sent by the
// store's import) a message that can wait waits until 08:00 there; an
// order confirmation goes at once; in the morning the sweep sends it.
func TestQuietHours(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		p := mustPester(t, dbURL, notify.Rules{OptOut: true, QuietHours: "21:00-08:00", TimeZone: "Asia/Tokyo"})
		ny, _ := time.LoadLocation("America/New_York")
		// Move the clock to 22:30 in New York.
		now := p.clock.Now().In(ny)
		night := time.Date(now.Year(), now.Month(), now.Day(), 22, 30, 0, 0, ny)
		if !night.After(now) {
			night = night.AddDate(0, 0, 1)
		}
		p.clock.Advance(night.Sub(now))

		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "mina@example.com", Number: "AC-3201", Items: 1})
		vars["input"].(map[string]any)["customer"].(map[string]any)["timeZone"] = "Mars/Olympus"
		p.GQL(t, p.Integration(t), testserver.ImportOrderMutation, vars).MustCode(t, "INVALID_INPUT")
		vars["input"].(map[string]any)["customer"].(map[string]any)["timeZone"] = "America/New_York"
		p.GQL(t, p.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
		// The confirmation cannot wait: it goes in the customer's night.
		p.mailbox.wait(t)
		waitEvent(t, p.events, river.EventKindJobCompleted)
		id := p.DB.Customer.Query().Where(customer.Email("mina@example.com")).OnlyIDX(sys(t))

		m := p.queue(t, id, "quiet:1", "content", true)
		morning := time.Date(night.Year(), night.Month(), night.Day()+1, 8, 0, 0, 0, ny)
		if m.Status != message.StatusQUEUED || m.DueAt == nil || !m.DueAt.Equal(morning) {
			t.Fatalf("a message at 22:30 in New York: %s due %v; want QUEUED until %v", m.Status, m.DueAt, morning)
		}
		p.clock.Advance(morning.Sub(p.clock.Now()) - time.Minute)
		p.sweep(t)
		if got := p.DB.Message.GetX(sys(t), m.ID); got.Status != message.StatusQUEUED {
			t.Fatalf("at 07:59: %s", got.Status)
		}
		p.clock.Advance(time.Minute)
		p.sweep(t)
		p.mailbox.wait(t)
		waitEvent(t, p.events, river.EventKindJobCompleted)
		if got := p.DB.Message.GetX(sys(t), m.ID); got.Status != message.StatusSENT {
			t.Errorf("at 08:00: %s", got.Status)
		}
	})
}

// consentsQuery reads consents.
const consentsQuery = `query($id: ID) { marketingConsents(customerId: $id) { channel marketing changedAt source } }`

// consentOf is one channel's consent as the API shows it (null is "").
type consentOf struct {
	Channel   string
	Marketing bool
	ChangedAt string
	Source    string
}

// emailConsent reads customer id's EMAIL consent as staff.
func (p *pester) emailConsent(t *testing.T, id int) consentOf {
	t.Helper()
	var out struct{ MarketingConsents []consentOf }
	p.GQL(t, p.Token(t, auth.RoleAdmin, ""), consentsQuery, map[string]any{"id": strconv.Itoa(id)}).MustOK(t, &out)
	for _, c := range out.MarketingConsents {
		if c.Channel == "EMAIL" {
			return c
		}
	}
	t.Fatal("no EMAIL consent")
	return consentOf{}
}

// TestConsentAndOneClickUnsubscribe: opt-in (no consent, no marketing:
// SKIPPED with why); the customer says yes through the API; the marketing
// email carries RFC 8058's headers and a visible link; a tampered token
// is refused and changes nothing; GET only shows a page; the POST
// unsubscribes at once, without a login; then marketing is SKIPPED again
// and a transactional message still goes, saying it was exempt.
func TestConsentAndOneClickUnsubscribe(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		p := mustPester(t, dbURL, notify.Rules{})
		id := p.customer(t, "mina@example.com", "AC-3301")
		p.customer(t, "leo@example.com", "AC-3302")
		wantStatus(t, p.queue(t, id, "consent:1", "content", true), message.StatusSKIPPED,
			"no marketing consent on EMAIL (opt-in: the customer never said yes)")

		mina, leo := p.Token(t, auth.RoleCustomer, "mina@example.com"), p.Token(t, auth.RoleCustomer, "leo@example.com")
		set := `mutation($in: SetMarketingConsentInput!) { setMarketingConsent(input: $in) { consents { channel marketing source } } }`
		p.GQL(t, p.Token(t, auth.RoleAdmin, ""), set, map[string]any{"in": map[string]any{"channel": "EMAIL", "marketing": true}}).MustCode(t, "FORBIDDEN")
		p.GQL(t, mina, set, map[string]any{"in": map[string]any{"channel": "EMAIL", "marketing": true}}).MustOK(t, nil)
		var own struct{ MarketingConsents []consentOf }
		p.GQL(t, mina, consentsQuery, nil).MustOK(t, &own)
		if len(own.MarketingConsents) != 3 || own.MarketingConsents[0].Channel != "EMAIL" || !own.MarketingConsents[0].Marketing ||
			own.MarketingConsents[0].Source != "CUSTOMER" || own.MarketingConsents[1].Marketing {
			t.Fatalf("Mina's consents: %+v", own.MarketingConsents)
		}
		p.GQL(t, leo, consentsQuery, map[string]any{"id": strconv.Itoa(id)}).MustCode(t, "NOT_FOUND")

		wantStatus(t, p.queue(t, id, "consent:2", "content", true), message.StatusSENT, "")
		got := p.mailbox.wait(t)
		link := strings.Trim(got.Header.Get("List-Unsubscribe"), "<>")
		if !strings.Contains(link, notify.UnsubscribePath+"?t=") || got.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("headers: List-Unsubscribe %q, List-Unsubscribe-Post %q", got.Header.Get("List-Unsubscribe"), got.Header.Get("List-Unsubscribe-Post"))
		}
		if !strings.Contains(got.Text, "Unsubscribe: "+link) || !strings.Contains(got.HTML, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
			t.Errorf("the visible link is missing:\ntext %s\nhtml %s", got.Text, got.HTML)
		}
		before := p.emailConsent(t, id)

		post := func(u, body string) int {
			t.Helper()
			resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		u, _ := url.Parse(link)
		tok := u.Query().Get("t")
		payload, mac, _ := strings.Cut(tok, ".")
		tampered := *u
		tampered.RawQuery = url.Values{"t": {payload[:len(payload)-1] + "x." + mac}}.Encode()
		if code := post(tampered.String(), "List-Unsubscribe=One-Click"); code != http.StatusBadRequest {
			t.Errorf("tampered token: %d, want 400", code)
		}
		if code := post(link, "unsubscribe=please"); code != http.StatusBadRequest {
			t.Errorf("POST without the one-click body: %d, want 400", code)
		}
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET: %d", resp.StatusCode)
		}
		if now := p.emailConsent(t, id); now != before || !now.Marketing {
			t.Fatalf("a tampered token, a wrong body or a GET changed the consent: %+v -> %+v", before, now)
		}
		p.clock.Advance(time.Minute) // so the change's date is seen to move
		if code := post(link, "List-Unsubscribe=One-Click"); code != http.StatusOK {
			t.Fatalf("one-click POST: %d", code)
		}
		if c := p.emailConsent(t, id); c.Marketing || c.Source != "UNSUBSCRIBE_LINK" || c.ChangedAt == before.ChangedAt {
			t.Fatalf("after the one-click POST: %+v", c)
		}
		// Recorded against the message whose link it was, once (a second
		// POST changes nothing), and counted in engagement.
		if code := post(link, "List-Unsubscribe=One-Click"); code != http.StatusOK {
			t.Fatalf("second one-click POST: %d", code)
		}
		sent := p.DB.Message.Query().Where(message.DedupeKey("consent:2")).OnlyX(sys(t))
		if n := p.DB.MessageEvent.Query().Where(messageevent.TypeEQ(messageevent.TypeUNSUBSCRIBED)).CountX(sys(t)); n != 1 ||
			!p.DB.MessageEvent.Query().Where(messageevent.MessageID(sent.ID), messageevent.TypeEQ(messageevent.TypeUNSUBSCRIBED)).ExistX(sys(t)) {
			t.Fatalf("%d UNSUBSCRIBED events, want 1 on the message whose link was used", n)
		}
		var eng struct {
			Engagement []struct {
				Journey      *string
				Unsubscribed int
			}
		}
		p.GQL(t, p.Token(t, auth.RoleAdmin, ""), `query { engagement { journey unsubscribed } }`, nil).MustOK(t, &eng)
		unsubscribed := map[string]int{}
		for _, r := range eng.Engagement {
			if r.Journey != nil {
				unsubscribed[*r.Journey] = r.Unsubscribed
			}
		}
		if unsubscribed["content"] != 1 || unsubscribed["order_confirmation"] != 0 {
			t.Errorf("engagement unsubscribed %v, want content: 1", unsubscribed)
		}
		wantStatus(t, p.queue(t, id, "consent:3", "content", true), message.StatusSKIPPED, "no marketing consent on EMAIL (withdrawn")
		tx := p.queue(t, id, "consent:transactional", "content", false)
		wantStatus(t, tx, message.StatusSENT, "")
		plain := p.mailbox.wait(t)
		if plain.Header.Get("List-Unsubscribe") != "" || strings.Contains(plain.Text, "Unsubscribe") {
			t.Errorf("a transactional email carries an unsubscribe link: %q / %s", plain.Header.Get("List-Unsubscribe"), plain.Text)
		}
		if ex := p.exempt(t, tx); len(ex) != 1 || !strings.Contains(ex[0], "transactional messages need no consent") {
			t.Errorf("EXEMPT events: %q", ex)
		}
	})
}
