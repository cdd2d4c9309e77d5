package notify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// updateJourneyMutation is staff's updateJourney.
const updateJourneyMutation = `mutation Update($input: UpdateJourneyInput!) {
  updateJourney(input: $input) {
    journey { name customized settings { enabled delayDays reminderDays categoryDelays { category days }
      delayThresholdHours stallHours minGapMinutes } }
  }
}`

// setJourney changes a journey's settings as staff.
func (s *testServer) setJourney(t *testing.T, in map[string]any) {
	t.Helper()
	s.GQL(t, s.Token(t, auth.RoleAdmin, ""), updateJourneyMutation, map[string]any{"input": in}).MustOK(t, nil)
}

// deliveredOrder imports order number for email with items (their
// categories, in order), ships it and has the carrier deliver it at
// deliveredAt, through the API and the webhook, and returns its row id
// and the product ids of its lines. The confirmation, SHIPPED and
// DELIVERED emails are taken from mailbox.
func (s *testServer) deliveredOrder(t *testing.T, mailbox *smtpServer, email, number string, deliveredAt time.Time,
	categories ...string) (orderID int, products, items []string) {
	t.Helper()
	vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: email, Number: number, Items: len(categories)})
	for i, line := range vars["input"].(map[string]any)["items"].([]any) {
		line.(map[string]any)["category"] = categories[i]
	}
	var out struct {
		ImportOrder struct{ Order testserver.ImportedOrder }
	}
	s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, &out)
	wantMail(t, mailbox, message.KindORDER_CONFIRMATION, email)
	s.ship(t, out.ImportOrder.Order.ID, "RR"+number, deliveredAt.Add(24*time.Hour))
	wantMail(t, mailbox, message.KindSHIPPED, email)
	s.carrierWebhook(t, "RR"+number, nil, testserver.Event(number+"-d", "DELIVERED", deliveredAt))
	wantMail(t, mailbox, message.KindDELIVERED, email)
	var lines struct {
		Order struct {
			Items []struct {
				ID      string
				Product struct{ ID string }
			}
		}
	}
	s.GQL(t, s.Integration(t), `query($n: String!) { order(number: $n) { items { id product { id } } } }`,
		map[string]any{"n": number}).MustOK(t, &lines)
	for _, it := range lines.Order.Items {
		products = append(products, it.Product.ID)
		items = append(items, it.ID)
	}
	return s.DB.Order.Query().Where(order.Number(number)).OnlyIDX(sys(t)), products, items
}

// sweepTo moves the clock to at (never back) and sweeps.
func (s *testServer) sweepTo(t *testing.T, at time.Time) {
	t.Helper()
	if d := at.Sub(s.clock.Now()); d > 0 {
		s.clock.Advance(d)
	}
	if err := s.Jobs.Sweep(sys(t)); err != nil {
		t.Fatal(err)
	}
}

// reviewKey is the dedupe key of an order's review step.
func reviewKey(orderID int, step string) string {
	return fmt.Sprintf("order:%d:%s:EMAIL", orderID, step)
}

// TestReviewRequestTiming: the request waits the longest of its items'
// category delays after delivery (not after the order date), is sent
// exactly once at its time, and the reminder reminderDays later.
func TestReviewRequestTiming(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		events := s.jobEvents(t)
		s.setJourney(t, map[string]any{"name": notify.JourneyReview, "delayDays": 5, "reminderDays": 4,
			"categoryDelays": []any{map[string]any{"category": "Coffee", "days": 3}, map[string]any{"category": "mattress", "days": 10}}})
		delivered := s.clock.Now().Add(-time.Hour)
		id, _, _ := s.deliveredOrder(t, mailbox, "mina@example.com", "AC-3101", delivered, "Coffee", "Mattress")

		due := delivered.Add(10 * 24 * time.Hour)
		req, rem := s.message(t, reviewKey(id, "review_request")), s.message(t, reviewKey(id, "review_reminder"))
		if req.Status != message.StatusQUEUED || req.DueAt == nil || !req.DueAt.Equal(due) {
			t.Fatalf("request: %s due %v, want QUEUED due %v (10 days, Mattress, after delivery)", req.Status, req.DueAt, due)
		}
		if rem.DueAt == nil || !rem.DueAt.Equal(due.Add(4*24*time.Hour)) {
			t.Fatalf("reminder due %v, want %v", rem.DueAt, due.Add(4*24*time.Hour))
		}

		s.sweepTo(t, due.Add(-time.Second))
		if got := s.message(t, reviewKey(id, "review_request")); got.Status != message.StatusQUEUED || got.DueAt == nil {
			t.Fatalf("a second early the request is %s (due %v)", got.Status, got.DueAt)
		}
		s.sweepTo(t, due)
		got := wantMail(t, mailbox, message.KindREVIEW_REQUEST, "mina@example.com")
		// Its SENT is recorded after the SMTP server took it: the
		// reminder's check needs it, so wait before moving the clock.
		s.waitDone(t, events, reviewKey(id, "review_request"))
		for _, want := range []string{"Product 0", "Product 1", "https://shop.example.com/orders/AC-3101",
			fmt.Sprintf("earns you %d loyalty points", 50)} {
			if !strings.Contains(got.Text, want) {
				t.Errorf("the request lacks %q:\n%s", want, got.Text)
			}
		}
		for range 2 {
			s.sweepTo(t, due.Add(time.Hour))
		}

		s.sweepTo(t, due.Add(4*24*time.Hour-time.Second))
		if got := s.message(t, reviewKey(id, "review_reminder")); got.Status != message.StatusQUEUED || got.DueAt == nil {
			t.Fatalf("a second early the reminder is %s", got.Status)
		}
		s.sweepTo(t, due.Add(4*24*time.Hour))
		wantMail(t, mailbox, message.KindREVIEW_REMINDER, "mina@example.com")
		s.sweepTo(t, due.Add(30*24*time.Hour))
		s.waitSettled(t, events, "AC-3101")

		want := map[string]int{"ORDER_CONFIRMATION:SENT": 1, "SHIPPED:SENT": 1, "DELIVERED:SENT": 1,
			"REVIEW_REQUEST:SENT": 1, "REVIEW_REMINDER:SENT": 1}
		if got := s.kindsOf(t, "AC-3101"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("messages %v, want %v", got, want)
		}
		// Not counted: the points released when the order's return
		// window closed (LOYALTY, the loyalty_points journey).
		n := 0
		for _, r := range mailbox.received() {
			if r.Header.Get("X-Aftercart-Kind") != string(message.KindLOYALTY) {
				n++
			}
		}
		if n != 5 {
			t.Errorf("the SMTP server received %d emails about the order, want 5", n)
		}
	})
}

// TestReviewRequestSkips: when a review message is due, its check skips
// it, with the reason kept for staff, if the customer reviewed every
// item already, items were returned, the journey is turned off, or (the
// reminder) the request was not sent or was answered.
func TestReviewRequestSkips(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		admin := s.Token(t, auth.RoleAdmin, "")
		delivered := s.clock.Now().Add(-time.Hour)
		reviewed, products, _ := s.deliveredOrder(t, mailbox, "mina@example.com", "AC-3201", delivered, "Mugs", "Mugs")
		returned, _, items := s.deliveredOrder(t, mailbox, "ana@example.com", "AC-3202", delivered, "Mugs", "Mugs")
		answered, _, _ := s.deliveredOrder(t, mailbox, "zoe@example.com", "AC-3204", delivered, "Mugs", "Mugs")
		ignored, _, _ := s.deliveredOrder(t, mailbox, "kim@example.com", "AC-3205", delivered, "Mugs", "Mugs")
		// Delivered while the journey is off: recorded SKIPPED at once.
		s.setJourney(t, map[string]any{"name": notify.JourneyReview, "enabled": false})
		off, _, _ := s.deliveredOrder(t, mailbox, "leo@example.com", "AC-3203", delivered, "Mugs")
		s.setJourney(t, map[string]any{"name": notify.JourneyReview, "enabled": true})
		for _, step := range []string{"review_request", "review_reminder"} {
			if m := s.message(t, reviewKey(off, step)); m.Status != message.StatusSKIPPED || m.SkipReason != notify.SkipJourneyOff {
				t.Errorf("%s of an order delivered while the journey was off: %s %q", step, m.Status, m.SkipReason)
			}
		}

		writeReview := func(email, product string) {
			t.Helper()
			s.GQL(t, s.Token(t, auth.RoleCustomer, email), `mutation($in: WriteReviewInput!) { writeReview(input: $in) { review { id } } }`,
				map[string]any{"in": map[string]any{"productId": product, "rating": 4, "body": "Does the job."}}).MustOK(t, nil)
		}
		writeReview("mina@example.com", products[0])
		writeReview("mina@example.com", products[1])
		s.GQL(t, admin, `mutation($in: MarkItemsReturnedInput!) { markItemsReturned(input: $in) { returnedQuantity } }`,
			map[string]any{"in": map[string]any{"orderItemId": items[0], "quantity": 1}}).MustOK(t, nil)

		events := s.jobEvents(t)
		due := delivered.Add(notify.DefaultReviewDelayDays * 24 * time.Hour)
		s.sweepTo(t, due)
		requests := []string{reviewKey(reviewed, "review_request"), reviewKey(returned, "review_request"),
			reviewKey(answered, "review_request"), reviewKey(ignored, "review_request")}
		s.waitDone(t, events, requests...)
		wantReason := func(key string, status message.Status, reason string) {
			t.Helper()
			if m := s.message(t, key); m.Status != status || m.SkipReason != reason {
				t.Errorf("%s: %s %q, want %s %q", key, m.Status, m.SkipReason, status, reason)
			}
		}
		wantReason(requests[0], message.StatusSKIPPED, "the customer has reviewed every product of the order already")
		wantReason(requests[1], message.StatusSKIPPED, "items of the order were returned")
		wantReason(requests[2], message.StatusSENT, "")
		wantReason(requests[3], message.StatusSENT, "")
		for range 2 {
			if got := mailbox.wait(t); got.Header.Get("X-Aftercart-Kind") != string(message.KindREVIEW_REQUEST) ||
				(got.To[0] != "zoe@example.com" && got.To[0] != "kim@example.com") {
				t.Errorf("got a %s email to %v, want Zoe's and Kim's review requests", got.Header.Get("X-Aftercart-Kind"), got.To)
			}
		}

		// Zoe answers; then staff turn the journey off.
		var zoeProducts struct {
			Order struct {
				Items []struct{ Product struct{ ID string } }
			}
		}
		s.GQL(t, s.Integration(t), `{ order(number: "AC-3204") { items { product { id } } } }`, nil).MustOK(t, &zoeProducts)
		writeReview("zoe@example.com", zoeProducts.Order.Items[0].Product.ID)
		s.setJourney(t, map[string]any{"name": notify.JourneyReview, "enabled": false})

		s.sweepTo(t, due.Add(notify.DefaultReviewReminderDays*24*time.Hour))
		reminders := []string{reviewKey(reviewed, "review_reminder"), reviewKey(returned, "review_reminder"),
			reviewKey(answered, "review_reminder"), reviewKey(ignored, "review_reminder")}
		s.waitDone(t, events, reminders...)
		wantReason(reminders[0], message.StatusSKIPPED, "the review request was not sent")
		wantReason(reminders[1], message.StatusSKIPPED, "the review request was not sent")
		wantReason(reminders[2], message.StatusSKIPPED, "the customer reviewed the order after the request")
		wantReason(reminders[3], message.StatusSKIPPED, notify.SkipJourneyOff)
		// 5 orders × 3 emails, and the two requests.
		if n := len(mailbox.received()); n != 17 {
			t.Errorf("the SMTP server received %d emails, want 17", n)
		}
	})
}
