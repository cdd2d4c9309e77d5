package notify_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// ship creates a shipment of every unit of order orderID with the given
// estimate, through the API, and returns its tracking URL.
func (s *testServer) ship(t *testing.T, orderID, number string, eta time.Time) string {
	t.Helper()
	var out struct {
		CreateShipment struct {
			Shipment struct{ TrackingURL string }
		}
	}
	in := map[string]any{"orderId": orderID, "carrier": "DHL", "trackingNumber": number,
		"estimatedDeliveryAt": eta.UTC().Format(time.RFC3339)}
	s.GQL(t, s.Integration(t), testserver.CreateShipmentMutation, map[string]any{"input": in}).MustOK(t, &out)
	return out.CreateShipment.Shipment.TrackingURL
}

// carrierWebhook delivers events (and a new estimate, when eta is set) for
// DHL parcel number through the signed webhook, as a carrier does.
func (s *testServer) carrierWebhook(t *testing.T, number string, eta *time.Time, events ...map[string]any) {
	t.Helper()
	body := map[string]any{"carrier": "DHL", "trackingNumber": number, "events": events}
	if eta != nil {
		body["estimatedDeliveryAt"] = eta.UTC().Format(time.RFC3339)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if code, out := s.Webhook(t, raw, testserver.WebhookSecret); code != http.StatusOK {
		t.Fatalf("webhook: %d %v", code, out)
	}
}

// kindsOf counts the emails about order number by kind and status, as
// "KIND:STATUS" → n.
func (s *testServer) kindsOf(t *testing.T, number string) map[string]int {
	t.Helper()
	msgs, err := s.DB.Message.Query().Where(message.HasOrderWith(order.Number(number)), message.ChannelEQ(message.ChannelEMAIL)).All(sys(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, m := range msgs {
		out[string(m.Kind)+":"+string(m.Status)]++
	}
	return out
}

// message returns the message with the dedupe key.
func (s *testServer) message(t *testing.T, key string) (m struct {
	Status     message.Status
	SkipReason string
	DueAt      *time.Time
}) {
	t.Helper()
	got, err := s.DB.Message.Query().Where(message.DedupeKey(key)).Only(sys(t))
	if err != nil {
		t.Fatalf("message %s: %v", key, err)
	}
	m.Status, m.DueAt = got.Status, got.DueAt
	if got.SkipReason != nil {
		m.SkipReason = *got.SkipReason
	}
	return m
}

// wantMail waits for the next email and checks its kind and recipient.
func wantMail(t *testing.T, mailbox *smtpServer, kind message.Kind, to string) received {
	t.Helper()
	got := mailbox.wait(t)
	if k := got.Header.Get("X-Aftercart-Kind"); k != string(kind) || len(got.To) != 1 || got.To[0] != to {
		t.Fatalf("got a %s email to %v (%q), want %s to %s", k, got.To, got.Header.Get("Subject"), kind, to)
	}
	return got
}

// TestShippingUpdates: shipped (with the carrier's tracking link), out
// for delivery and delivered, each once, from the API and the signed
// webhook; a replayed webhook or shipment sends nothing new.
func TestShippingUpdates(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		events := s.jobEvents(t)
		o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-3001", Items: 2})
		wantMail(t, mailbox, message.KindORDER_CONFIRMATION, "mina@example.com")

		now := s.clock.Now()
		link := s.ship(t, o.ID, "SJ3001", now.Add(72*time.Hour))
		if !strings.HasPrefix(link, "https://") {
			t.Fatalf("the shipment has no tracking link: %q", link)
		}
		got := wantMail(t, mailbox, message.KindSHIPPED, "mina@example.com")
		if !strings.Contains(got.Text, link) || !strings.Contains(got.HTML, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
			t.Errorf("SHIPPED lacks the tracking link %s:\n%s", link, got.Text)
		}
		if !strings.Contains(got.Header.Get("Subject"), "AC-3001") || !strings.Contains(got.Text, "Product 1") {
			t.Errorf("SHIPPED subject %q / text lacks the parcel's items:\n%s", got.Header.Get("Subject"), got.Text)
		}
		// The store retries the shipment, the first scan arrives: SHIPPED
		// was sent already.
		s.ship(t, o.ID, "SJ3001", now.Add(72*time.Hour))
		s.carrierWebhook(t, "SJ3001", nil, testserver.Event("e1", "IN_TRANSIT", now.Add(-3*time.Hour)))

		s.carrierWebhook(t, "SJ3001", nil, testserver.Event("e2", "OUT_FOR_DELIVERY", now.Add(-2*time.Hour)))
		got = wantMail(t, mailbox, message.KindOUT_FOR_DELIVERY, "mina@example.com")
		if !strings.Contains(got.Text, link) {
			t.Errorf("OUT_FOR_DELIVERY lacks the tracking link:\n%s", got.Text)
		}
		s.carrierWebhook(t, "SJ3001", nil, testserver.Event("e2", "OUT_FOR_DELIVERY", now.Add(-2*time.Hour)))

		s.carrierWebhook(t, "SJ3001", nil, testserver.Event("e3", "DELIVERED", now.Add(-time.Hour)))
		wantMail(t, mailbox, message.KindDELIVERED, "mina@example.com")
		for range 2 { // the carrier replays everything
			s.carrierWebhook(t, "SJ3001", nil, testserver.Event("e1", "IN_TRANSIT", now.Add(-3*time.Hour)),
				testserver.Event("e2", "OUT_FOR_DELIVERY", now.Add(-2*time.Hour)), testserver.Event("e3", "DELIVERED", now.Add(-time.Hour)))
		}
		if err := s.Jobs.Sweep(sys(t)); err != nil {
			t.Fatal(err)
		}
		s.waitSettled(t, events, "AC-3001")

		want := map[string]int{"ORDER_CONFIRMATION:SENT": 1, "SHIPPED:SENT": 1, "OUT_FOR_DELIVERY:SENT": 1, "DELIVERED:SENT": 1,
			// The delivery queued the review journey, waiting for its days.
			"REVIEW_REQUEST:QUEUED": 1, "REVIEW_REMINDER:QUEUED": 1}
		if got := s.kindsOf(t, "AC-3001"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("messages %v, want %v", got, want)
		}
		if n := len(mailbox.received()); n != 4 {
			t.Errorf("the SMTP server received %d emails, want 4", n)
		}
	})
}

// TestDelayNotices: an estimate that slips by more than the threshold
// sends an apology with the new date; the same date again does not; a
// second slip to a new date does; an exception does, once.
func TestDelayNotices(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		events := s.jobEvents(t)
		o := s.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "AC-3002", Items: 1})
		wantMail(t, mailbox, message.KindORDER_CONFIRMATION, "ana@example.com")
		now := s.clock.Now()
		first := time.Date(now.Year(), now.Month(), now.Day(), 18, 0, 0, 0, time.UTC).Add(48 * time.Hour)
		link := s.ship(t, o.ID, "SJ3002", first)
		wantMail(t, mailbox, message.KindSHIPPED, "ana@example.com")

		// 20 hours later than promised: within the default 24.
		small := first.Add(20 * time.Hour)
		s.carrierWebhook(t, "SJ3002", &small, testserver.Event("d1", "IN_TRANSIT", now.Add(-time.Hour)))
		if got := s.kindsOf(t, "AC-3002")["DELAY_NOTICE:QUEUED"]; got != 0 {
			t.Fatalf("a slip within the threshold queued %d delay notices", got)
		}

		late := first.Add(72 * time.Hour)
		s.carrierWebhook(t, "SJ3002", &late)
		got := wantMail(t, mailbox, message.KindDELAY_NOTICE, "ana@example.com")
		newDate := late.Format("2 January 2006")
		if !strings.Contains(got.Text, "sorry") || !strings.Contains(got.Text, "New expected delivery: "+newDate) ||
			!strings.Contains(got.Header.Get("Subject"), newDate) || !strings.Contains(got.Text, link) {
			t.Errorf("delay notice (subject %q) lacks the apology, the new date %s or the link:\n%s",
				got.Header.Get("Subject"), newDate, got.Text)
		}
		// The same date again, a few hours later in the day: nothing.
		sameDay := late.Add(3 * time.Hour)
		s.carrierWebhook(t, "SJ3002", &sameDay)
		s.carrierWebhook(t, "SJ3002", &sameDay)

		later := late.Add(48 * time.Hour)
		s.carrierWebhook(t, "SJ3002", &later)
		got = wantMail(t, mailbox, message.KindDELAY_NOTICE, "ana@example.com")
		if d := later.Format("2 January 2006"); !strings.Contains(got.Text, d) {
			t.Errorf("the second notice lacks the new date %s:\n%s", d, got.Text)
		}

		exc := testserver.Event("d2", "EXCEPTION", now.Add(-30*time.Minute))
		exc["subStatus"] = "Customs hold"
		s.carrierWebhook(t, "SJ3002", nil, exc)
		got = wantMail(t, mailbox, message.KindDELAY_NOTICE, "ana@example.com")
		if !strings.Contains(got.Text, "reported a problem with the delivery: Customs hold") {
			t.Errorf("the exception notice lacks the carrier's word:\n%s", got.Text)
		}
		s.carrierWebhook(t, "SJ3002", nil, exc)
		s.waitSettled(t, events, "AC-3002")

		if n := s.kindsOf(t, "AC-3002")["DELAY_NOTICE:SENT"]; n != 3 {
			t.Errorf("%d delay notices sent, want 3", n)
		}
		if n := len(mailbox.received()); n != 5 {
			t.Errorf("the SMTP server received %d emails, want 5", n)
		}
	})
}

// TestStalledParcel: a parcel in transit without a checkpoint for the
// stall threshold gets a delay notice from the sweep: none before, one
// at the threshold, none again on later sweeps; a new checkpoint and a
// second stall is a new notice.
func TestStalledParcel(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		o := s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "AC-3003", Items: 1})
		wantMail(t, mailbox, message.KindORDER_CONFIRMATION, "leo@example.com")
		t0 := s.clock.Now()
		s.ship(t, o.ID, "SJ3003", t0.Add(24*time.Hour*10))
		wantMail(t, mailbox, message.KindSHIPPED, "leo@example.com")
		lastScan := t0.Add(-time.Hour)
		s.carrierWebhook(t, "SJ3003", nil, testserver.Event("s1", "IN_TRANSIT", lastScan))

		sweep := func(to time.Time) int {
			t.Helper()
			if d := to.Sub(s.clock.Now()); d > 0 {
				s.clock.Advance(d)
			}
			if err := s.Jobs.Sweep(sys(t)); err != nil {
				t.Fatal(err)
			}
			// One read: a notice going from QUEUED to SENT between two
			// reads would count in neither.
			kinds := s.kindsOf(t, "AC-3003")
			return kinds["DELAY_NOTICE:SENT"] + kinds["DELAY_NOTICE:QUEUED"]
		}
		stalledAt := lastScan.Add(notify.DefaultStallHours * time.Hour)
		if n := sweep(stalledAt.Add(-time.Second)); n != 0 {
			t.Fatalf("a second before the stall threshold: %d delay notices", n)
		}
		if n := sweep(stalledAt); n != 1 {
			t.Fatalf("at the stall threshold: %d delay notices, want 1", n)
		}
		got := wantMail(t, mailbox, message.KindDELAY_NOTICE, "leo@example.com")
		if !strings.Contains(got.Text, "not scanned the parcel since "+lastScan.UTC().Format("2 January 2006")) {
			t.Errorf("the stall notice lacks its last checkpoint:\n%s", got.Text)
		}
		for _, d := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour} {
			if n := sweep(stalledAt.Add(d)); n != 1 {
				t.Fatalf("%s after the threshold: %d delay notices, want still 1 (messages %v)", d, n, s.kindsOf(t, "AC-3003"))
			}
		}
		// It moved (a scan the carrier reports late: tracking takes
		// checkpoints up to a day ahead of the wall clock only, and the
		// fake clock is days ahead), and is silent again past the
		// threshold: a new episode.
		scan2 := t0.Add(12 * time.Hour)
		s.carrierWebhook(t, "SJ3003", nil, testserver.Event("s2", "IN_TRANSIT", scan2))
		if n := sweep(s.clock.Now()); n != 2 {
			t.Fatalf("after the second stall: %d delay notices, want 2", n)
		}
		wantMail(t, mailbox, message.KindDELAY_NOTICE, "leo@example.com")
		// Delivered: stalls end.
		s.carrierWebhook(t, "SJ3003", nil, testserver.Event("s3", "DELIVERED", scan2.Add(time.Hour)))
		wantMail(t, mailbox, message.KindDELIVERED, "leo@example.com")
		if n := sweep(s.clock.Now().Add(notify.DefaultStallHours * 2 * time.Hour)); n != 2 {
			t.Fatalf("after delivery: %d delay notices, want 2", n)
		}
	})
}
