package notify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// contentKey is the dedupe key of an order's content message.
func contentKey(orderID int) string { return fmt.Sprintf("order:%d:content:EMAIL", orderID) }

// TestContentJourney: one message per delivered order, delayDays after
// delivery, listing each product's own content, else its category's;
// none for an order without content; skipped when the order was canceled
// while it waited.
func TestContentJourney(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		admin := s.Token(t, auth.RoleAdmin, "")
		events := s.jobEvents(t)
		s.setJourney(t, map[string]any{"name": notify.JourneyContent, "delayDays": 2})
		s.setJourney(t, map[string]any{"name": notify.JourneyReview, "enabled": false})
		placed := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		o := s.importOrder(t, mailbox, "mina@example.com", "AC-5301", placed,
			line{"PAN", 1, "Cookware", 0}, line{"BEANS", 1, "Coffee", 0}, line{"SOCKS", 2, "Apparel", 0})
		plain := s.importOrder(t, mailbox, "ana@example.com", "AC-5302", placed, line{"SOCKS", 1, "Apparel", 0})
		canceled := s.importOrder(t, mailbox, "leo@example.com", "AC-5303", placed, line{"PAN", 1, "Cookware", 0})
		// The pan's own content; coffee's through its category (any case).
		s.GQL(t, admin, updateProductContent, map[string]any{"in": map[string]any{"id": o.prods[0],
			"contentUrl": "https://shop.example.com/care/pan", "contentText": "Season it before the first use."}}).MustOK(t, nil)
		s.GQL(t, admin, setCategoryContent, map[string]any{"in": map[string]any{"category": " COFFEE ",
			"contentUrl": "https://shop.example.com/guides/brewing", "contentText": "Our brew guide."}}).MustOK(t, nil)

		delivered := s.clock.Now().Add(-time.Hour)
		for _, x := range []importedOrder{o, plain, canceled} {
			s.deliver(t, mailbox, x, delivered)
		}
		due := delivered.Add(2 * 24 * time.Hour)
		if m := s.message(t, contentKey(o.id)); m.Status != message.StatusQUEUED || m.DueAt == nil || !m.DueAt.Equal(due) {
			t.Fatalf("content: %s due %v, want QUEUED due %v", m.Status, m.DueAt, due)
		}
		if n := s.DB.Message.Query().Where(message.KindEQ(message.KindCONTENT), message.OrderID(plain.id)).CountX(sys(t)); n != 0 {
			t.Fatalf("%d content messages for an order without content, want none", n)
		}
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: canceled.email, Number: canceled.number, Items: 1, PlacedAt: placed})
		in := vars["input"].(map[string]any)
		l := in["items"].([]any)[0].(map[string]any)
		l["sku"], l["name"], l["quantity"], l["category"] = "PAN", "Product PAN", 1, "Cookware"
		in["canceledAt"] = s.clock.Now().UTC().Format(time.RFC3339)
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)

		s.sweepTo(t, due.Add(-time.Second))
		if m := s.message(t, contentKey(o.id)); m.Status != message.StatusQUEUED || m.DueAt == nil {
			t.Fatalf("a second early the content is %s", m.Status)
		}
		s.sweepTo(t, due)
		got := wantMail(t, mailbox, message.KindCONTENT, "mina@example.com")
		for _, want := range []string{"Product PAN: Season it before the first use.", "https://shop.example.com/care/pan",
			"Product BEANS: Our brew guide.", "https://shop.example.com/guides/brewing"} {
			if !strings.Contains(got.Text, want) {
				t.Errorf("the content's text lacks %q:\n%s", want, got.Text)
			}
		}
		if strings.Contains(got.Text, "SOCKS") || strings.Count(got.HTML, `class="content"`) != 2 {
			t.Errorf("the content lists a product without content:\n%s", got.HTML)
		}
		s.waitDone(t, events, contentKey(o.id), contentKey(canceled.id))
		if m := s.message(t, contentKey(canceled.id)); m.Status != message.StatusSKIPPED || m.SkipReason != "the order was canceled" {
			t.Errorf("the canceled order's content: %s %q", m.Status, m.SkipReason)
		}
		s.sweepTo(t, due.Add(30*24*time.Hour))
		s.waitSettled(t, events, "AC-5301")
		want := map[string]int{"ORDER_CONFIRMATION:SENT": 1, "SHIPPED:SENT": 1, "DELIVERED:SENT": 1, "CONTENT:SENT": 1,
			"REVIEW_REQUEST:SKIPPED": 1, "REVIEW_REMINDER:SKIPPED": 1}
		if got := s.kindsOf(t, "AC-5301"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("messages %v, want %v", got, want)
		}
	})
}

// setCategoryContent is staff's mutation.
const setCategoryContent = `mutation($in: SetCategoryContentInput!) {
  setCategoryContent(input: $in) { content { category contentUrl contentText } }
}`
