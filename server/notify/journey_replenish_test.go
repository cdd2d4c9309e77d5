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

// line is one order line of importOrder: its SKU, quantity, category and
// reorder interval (0: none).
type line struct {
	sku      string
	qty      int
	category string
	interval int
}

// importedOrder is an order importOrder imported.
type importedOrder struct {
	id           int    // the row id
	gid, number  string // the GraphQL id and the number
	email        string
	items, prods []string // the lines' and their products' GraphQL ids
	placedAt     time.Time
}

// importOrder imports order number for email with lines, placed at
// placedAt (zero: the fixtures' default), and takes its confirmation from
// mailbox.
func (s *testServer) importOrder(t *testing.T, mailbox *smtpServer, email, number string, placedAt time.Time, lines ...line) importedOrder {
	t.Helper()
	vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: email, Number: number, Items: len(lines), PlacedAt: placedAt})
	for i, it := range vars["input"].(map[string]any)["items"].([]any) {
		m := it.(map[string]any)
		l := lines[i]
		m["sku"], m["name"], m["quantity"], m["category"] = l.sku, "Product "+l.sku, l.qty, l.category
		if l.interval > 0 {
			m["reorderIntervalDays"] = l.interval
		}
	}
	var out struct {
		ImportOrder struct{ Order testserver.ImportedOrder }
	}
	s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, &out)
	wantMail(t, mailbox, message.KindORDER_CONFIRMATION, email)
	var got struct {
		Order struct {
			Items []struct {
				ID      string
				Product struct{ ID string }
			}
		}
	}
	s.GQL(t, s.Integration(t), `query($n: String!) { order(number: $n) { items { id product { id } } } }`,
		map[string]any{"n": number}).MustOK(t, &got)
	o := importedOrder{gid: out.ImportOrder.Order.ID, number: number, email: email,
		id: s.DB.Order.Query().Where(order.Number(number)).OnlyIDX(sys(t))}
	for _, it := range got.Order.Items {
		o.items, o.prods = append(o.items, it.ID), append(o.prods, it.Product.ID)
	}
	return o
}

// deliver ships o and has the carrier deliver it at at, taking the
// SHIPPED and DELIVERED emails from mailbox.
func (s *testServer) deliver(t *testing.T, mailbox *smtpServer, o importedOrder, at time.Time) {
	t.Helper()
	s.ship(t, o.gid, "RR"+o.number, at.Add(24*time.Hour))
	wantMail(t, mailbox, message.KindSHIPPED, o.email)
	s.carrierWebhook(t, "RR"+o.number, nil, testserver.Event(o.number+"-d", "DELIVERED", at))
	wantMail(t, mailbox, message.KindDELIVERED, o.email)
}

// replenishKey is the dedupe key of an order line's reminder.
func replenishKey(itemGID string) string { return "orderitem:" + itemGID + ":replenishment:EMAIL" }

// updateProductContent is staff's mutation.
const updateProductContent = `mutation($in: UpdateProductContentInput!) {
  updateProductContent(input: $in) { product { id contentUrl contentText reorderIntervalDays complements { id name } } }
}`

// TestReplenishmentTiming: one reminder per delivered line whose product
// has a reorder interval, due at delivery + interval × quantity − the
// lead time (the journey's delayDays), waiting until then; it suggests the
// same product (a reorder link) and its complements.
func TestReplenishmentTiming(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		events := s.jobEvents(t)
		s.setJourney(t, map[string]any{"name": notify.JourneyReplenishment, "delayDays": 4})
		// The review request would come between the reminders, and the
		// points released and the win-back (the clock passes 90 days)
		// beside them.
		for _, j := range []string{notify.JourneyReview, notify.JourneyLoyaltyPoints, notify.JourneyWinBack} {
			s.setJourney(t, map[string]any{"name": j, "enabled": false})
		}
		o := s.importOrder(t, mailbox, "mina@example.com", "AC-5101", time.Time{},
			line{"BEANS", 1, "Coffee", 30}, line{"FILTERS", 3, "Coffee", 20}, line{"GRINDER", 1, "Equipment", 0})
		delivered := s.clock.Now().Add(-time.Hour)
		s.deliver(t, mailbox, o, delivered)

		day := 24 * time.Hour
		beansDue, filtersDue := delivered.Add((30-4)*day), delivered.Add((20*3-4)*day)
		for _, c := range []struct {
			key string
			due time.Time
		}{{replenishKey(o.items[0]), beansDue}, {replenishKey(o.items[1]), filtersDue}} {
			if m := s.message(t, c.key); m.Status != message.StatusQUEUED || m.DueAt == nil || !m.DueAt.Equal(c.due) {
				t.Fatalf("%s: %s due %v, want QUEUED due %v", c.key, m.Status, m.DueAt, c.due)
			}
		}
		if n := s.DB.Message.Query().Where(message.KindEQ(message.KindREPLENISHMENT)).CountX(sys(t)); n != 2 {
			t.Fatalf("%d replenishment messages, want 2 (the grinder has no reorder interval)", n)
		}
		// Staff set the beans' complements after the delivery: the
		// reminder reads them when it is sent.
		s.GQL(t, s.Token(t, auth.RoleAdmin, ""), updateProductContent, map[string]any{"in": map[string]any{
			"id": o.prods[0], "complementIds": []string{o.prods[2], o.prods[1]}}}).MustOK(t, nil)

		s.sweepTo(t, beansDue.Add(-time.Second))
		if m := s.message(t, replenishKey(o.items[0])); m.Status != message.StatusQUEUED || m.DueAt == nil {
			t.Fatalf("a second early the reminder is %s (due %v)", m.Status, m.DueAt)
		}
		s.sweepTo(t, beansDue)
		got := wantMail(t, mailbox, message.KindREPLENISHMENT, "mina@example.com")
		for _, want := range []string{"1 x Product BEANS", "Order it again: https://shop.example.com/orders/AC-5101?reorder=BEANS",
			"Goes well with it:", "around " + delivered.Add(30*day).UTC().Format("2 January 2006")} {
			if !strings.Contains(got.Text, want) {
				t.Errorf("the reminder's text lacks %q:\n%s", want, got.Text)
			}
		}
		if f, g := strings.Index(got.Text, "  Product FILTERS"), strings.Index(got.Text, "  Product GRINDER"); f < 0 || g < f {
			t.Errorf("the reminder's text lists the complements %d, %d; want the filters, then the grinder (by name):\n%s", f, g, got.Text)
		}
		if n := strings.Count(got.HTML, `class="complement"`); n != 2 || !strings.Contains(got.HTML, "Product GRINDER") {
			t.Errorf("the reminder's HTML shows %d complements, want the grinder and the filters:\n%s", n, got.HTML)
		}
		if got.Header.Get("List-Unsubscribe") == "" {
			t.Error("the reminder is marketing but has no List-Unsubscribe header")
		}

		s.sweepTo(t, filtersDue.Add(-time.Second))
		if m := s.message(t, replenishKey(o.items[1])); m.Status != message.StatusQUEUED {
			t.Fatalf("a second early the filters' reminder is %s", m.Status)
		}
		s.sweepTo(t, filtersDue)
		got = wantMail(t, mailbox, message.KindREPLENISHMENT, "mina@example.com")
		// Complements are one-way: the filters go with the beans, but the
		// filters have none of their own.
		if !strings.Contains(got.Text, "3 x Product FILTERS") || strings.Contains(got.Text, "Goes well with it") ||
			strings.Contains(got.Text, "Product BEANS") || strings.Contains(got.Text, "Product GRINDER") {
			t.Errorf("the filters' reminder:\n%s", got.Text)
		}
		s.sweepTo(t, filtersDue.Add(30*day))
		s.waitSettled(t, events, "AC-5101")
		want := map[string]int{"ORDER_CONFIRMATION:SENT": 1, "SHIPPED:SENT": 1, "DELIVERED:SENT": 1, "REPLENISHMENT:SENT": 2,
			"REVIEW_REQUEST:SKIPPED": 1, "REVIEW_REMINDER:SKIPPED": 1, "WIN_BACK:SKIPPED": 1}
		if got := s.kindsOf(t, "AC-5101"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("messages %v, want %v", got, want)
		}
	})
}

// TestReplenishmentSkips: when a reminder is due, it is skipped (the
// reason kept) if the customer ordered the product again since, the
// order was canceled or the line returned; otherwise it is sent.
func TestReplenishmentSkips(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		admin := s.Token(t, auth.RoleAdmin, "")
		delivered := s.clock.Now().Add(-time.Hour)
		placed := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		tea := line{"TEA", 1, "Tea", 10}
		var orders []importedOrder
		for i, email := range []string{"mina@example.com", "ana@example.com", "leo@example.com", "kim@example.com"} {
			o := s.importOrder(t, mailbox, email, fmt.Sprintf("AC-52%02d", i), placed, tea)
			s.deliver(t, mailbox, o, delivered)
			orders = append(orders, o)
		}
		again, canceled, returned, kept := orders[0], orders[1], orders[2], orders[3]
		// Mina orders the tea again (not delivered yet); Kim ordered it
		// before: only a later order counts.
		s.importOrder(t, mailbox, again.email, "AC-5290", placed.Add(24*time.Hour), tea)
		s.importOrder(t, mailbox, kept.email, "AC-5291", placed.Add(-24*time.Hour), tea)
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: canceled.email, Number: canceled.number, Items: 1, PlacedAt: placed})
		in := vars["input"].(map[string]any)
		line0 := in["items"].([]any)[0].(map[string]any)
		line0["sku"], line0["name"], line0["quantity"], line0["category"], line0["reorderIntervalDays"] = "TEA", "Product TEA", 1, "Tea", 10
		in["canceledAt"] = s.clock.Now().UTC().Format(time.RFC3339)
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
		s.GQL(t, admin, `mutation($in: MarkItemsReturnedInput!) { markItemsReturned(input: $in) { returnedQuantity } }`,
			map[string]any{"in": map[string]any{"orderItemId": returned.items[0], "quantity": 1}}).MustOK(t, nil)

		events := s.jobEvents(t)
		s.sweepTo(t, delivered.Add((10-notify.DefaultReplenishLeadDays)*24*time.Hour))
		var keys []string
		for _, o := range orders {
			keys = append(keys, replenishKey(o.items[0]))
		}
		s.waitDone(t, events, keys...)
		for i, want := range []struct {
			status message.Status
			reason string
		}{
			{message.StatusSKIPPED, "the customer ordered the product again since"},
			{message.StatusSKIPPED, "the order was canceled"},
			{message.StatusSKIPPED, "the item was returned"},
			{message.StatusSENT, ""},
		} {
			if m := s.message(t, keys[i]); m.Status != want.status || m.SkipReason != want.reason {
				t.Errorf("%s (%s): %s %q, want %s %q", orders[i].number, orders[i].email, m.Status, m.SkipReason, want.status, want.reason)
			}
		}
		wantMail(t, mailbox, message.KindREPLENISHMENT, kept.email)
	})
}
