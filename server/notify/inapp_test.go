package notify_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/notification"
	"github.com/aftercart/aftercart/ent/notificationchange"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// The contract, as a customer's app sends it.
const (
	notificationsQuery = `query Notifications { viewer { notifications(first: 20) {
  unreadCount feedCursor
  edges { node { id kind title body link createdAt readAt order { number } } }
  pageInfo { hasNextPage endCursor }
} } }`
	notificationFeed = `subscription NotificationFeed($after: String) {
  notificationAdded(after: $after) { cursor notification { id kind title body createdAt readAt } }
}`
	markRead = `mutation($ids: [ID!], $all: Boolean) {
  markNotificationsRead(ids: $ids, all: $all) { marked unreadCount notifications { id readAt } }
}`
)

// feedStart is the cursor before a customer's first notification.
var feedStart = base64.RawURLEncoding.EncodeToString([]byte("nc:0"))

// shownNotification is a notification as the API shows it.
type shownNotification struct {
	ID, Kind, Title, Body string
	Link                  *string
	ReadAt                *time.Time
	Order                 *struct{ Number string }
}

// notificationPage is viewer.notifications.
type notificationPage struct {
	UnreadCount int
	FeedCursor  string
	Edges       []struct{ Node shownNotification }
}

// added is one notificationAdded payload.
type added struct {
	Cursor       string
	Notification shownNotification
}

// nextAdded reads the next notificationAdded of subscription id on c.
func nextAdded(t *testing.T, c *testserver.WSClient, id string) added {
	t.Helper()
	m, err := c.ReadFor(id, waitBound)
	if err != nil || m.Type != "next" {
		t.Fatalf("%s: want next, got %s %s (%v)", id, m.Type, m.Payload, err)
	}
	var p struct {
		Data   struct{ NotificationAdded added }
		Errors []testserver.Error
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		t.Fatalf("%s: %s (%v)", id, m.Payload, err)
	}
	return p.Data.NotificationAdded
}

// mustTitle fails unless n is order number's confirmation.
func mustTitle(t *testing.T, n added, number string) {
	t.Helper()
	if want := "Order " + number + " confirmed"; n.Notification.Title != want || n.Notification.Kind != "ORDER_CONFIRMATION" || n.Cursor == "" {
		t.Fatalf("got %+v, want the notification %q", n, want)
	}
}

// notificationsOf reads the viewer's notifications.
func (s *testServer) notificationsOf(t *testing.T, token string) notificationPage {
	t.Helper()
	var out struct {
		Viewer struct{ Notifications notificationPage }
	}
	s.GQL(t, token, notificationsQuery, nil).MustOK(t, &out)
	return out.Viewer.Notifications
}

// TestInAppNotifications: an imported order's confirmation reaches its
// customer in the app as well as by email: live over a real websocket,
// from an order imported through another instance (Postgres: two
// instances, LISTEN/NOTIFY; SQLite: one); a subscriber that was
// disconnected resumes from its last cursor and misses nothing, repeats
// nothing; another customer sees none of it, by subscription, list,
// node(id:), nodes or markNotificationsRead; read and unread counts.
func TestInAppNotifications(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		a := mustServer(t, dbURL, "")
		b := a
		if dbURL != "" {
			b = mustServer(t, dbURL, "")
		}
		// Subscribed before any dispatch can finish, so no completion is missed.
		events := a.jobEvents(t, watch{inApp: true, also: []*testServer{b}})
		a.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "IA-1", Items: 2})
		a.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "IA-2", Items: 1})
		mina := b.Token(t, auth.RoleCustomer, "mina@example.com")
		ana := b.Token(t, auth.RoleCustomer, "ana@example.com")
		admin := b.Token(t, auth.RoleAdmin, "admin@test")

		// Both customers follow their feeds on b from the start.
		mc := b.ConnectWS(t, mina)
		mc.Subscribe("m", notificationFeed, map[string]any{"after": feedStart})
		ac := b.ConnectWS(t, ana)
		ac.Subscribe("a", notificationFeed, map[string]any{"after": feedStart})
		first := nextAdded(t, mc, "m")
		mustTitle(t, first, "IA-1")
		if !strings.Contains(first.Notification.Body, "Thank you, Mina!") {
			t.Errorf("body %q, want the in-app template's greeting", first.Notification.Body)
		}
		mustTitle(t, nextAdded(t, ac, "a"), "IA-2")

		// Live, across instances: Mina's new order reaches Mina only; Ana's
		// next is her own.
		a.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "IA-3", Items: 1})
		third := nextAdded(t, mc, "m")
		mustTitle(t, third, "IA-3")
		a.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "IA-4", Items: 1})
		mustTitle(t, nextAdded(t, ac, "a"), "IA-4")

		// Mina drops off; a notification is delivered meanwhile; she resumes
		// from her last cursor: that one, then the next live, nothing twice.
		_ = mc.Conn.CloseNow()
		a.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "IA-5", Items: 1})
		a.waitNotified(t, events, "IA-5")
		mc = b.ConnectWS(t, mina)
		mc.Subscribe("r", notificationFeed, map[string]any{"after": third.Cursor})
		mustTitle(t, nextAdded(t, mc, "r"), "IA-5")
		a.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "IA-6", Items: 1})
		mustTitle(t, nextAdded(t, mc, "r"), "IA-6")

		// The list: newest first, all unread, each about its order.
		page := b.notificationsOf(t, mina)
		var numbers []string
		for _, e := range page.Edges {
			n := e.Node
			numbers = append(numbers, n.Order.Number)
			if n.ReadAt != nil || n.Link == nil || !strings.HasSuffix(*n.Link, "/orders/"+n.Order.Number) {
				t.Errorf("notification %+v: want unread, linking to its order", n)
			}
		}
		if strings.Join(numbers, ",") != "IA-6,IA-5,IA-3,IA-1" || page.UnreadCount != 4 {
			t.Fatalf("Mina's notifications %v, %d unread; want IA-6,IA-5,IA-3,IA-1 and 4", numbers, page.UnreadCount)
		}
		minaFirst := page.Edges[3].Node.ID

		// Ana sees her own two, and nothing of Mina's on any path.
		if p := b.notificationsOf(t, ana); len(p.Edges) != 2 || p.UnreadCount != 2 {
			t.Errorf("Ana's notifications: %+v", p)
		}
		var nodes struct {
			Node  *struct{ ID string }
			Nodes []*struct{ ID string }
		}
		// As for a missing one: NOT_FOUND, and nulls.
		res := b.GQL(t, ana, `query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }`, map[string]any{"id": minaFirst})
		res.MustCode(t, "NOT_FOUND")
		if err := json.Unmarshal(res.Data, &nodes); err != nil || nodes.Node != nil || (len(nodes.Nodes) > 0 && nodes.Nodes[0] != nil) {
			t.Errorf("Ana reads Mina's notification by id: %s (%v)", res.Data, err)
		}
		b.GQL(t, ana, markRead, map[string]any{"ids": []string{minaFirst}}).MustCode(t, "NOT_FOUND")
		b.GQL(t, mina, `query($id: ID!) { node(id: $id) { ... on Notification { title } } }`, map[string]any{"id": minaFirst}).MustOK(t, &nodes)
		if nodes.Node == nil {
			t.Error("Mina cannot read her own notification by id")
		}

		// Read and unread.
		type marked struct {
			MarkNotificationsRead struct {
				Marked, UnreadCount int
				Notifications       []struct {
					ID     string
					ReadAt *time.Time
				}
			}
		}
		var r marked
		two := []string{page.Edges[0].Node.ID, minaFirst}
		b.GQL(t, mina, markRead, map[string]any{"ids": two}).MustOK(t, &r)
		if m := r.MarkNotificationsRead; m.Marked != 2 || m.UnreadCount != 2 || len(m.Notifications) != 2 || m.Notifications[0].ReadAt == nil {
			t.Errorf("marking two read: %+v", m)
		}
		b.GQL(t, mina, markRead, map[string]any{"ids": two}).MustOK(t, &r)
		if m := r.MarkNotificationsRead; m.Marked != 0 || m.UnreadCount != 2 {
			t.Errorf("marking them again: %+v, want nothing marked", m)
		}
		if p := b.notificationsOf(t, mina); p.UnreadCount != 2 || p.Edges[0].Node.ReadAt == nil || p.Edges[1].Node.ReadAt != nil {
			t.Errorf("after marking two: %+v", p)
		}
		for name, c := range map[string]struct {
			token string
			vars  map[string]any
			code  string
		}{
			"neither ids nor all":   {mina, map[string]any{}, "INVALID_INPUT"},
			"both":                  {mina, map[string]any{"ids": two, "all": true}, "INVALID_INPUT"},
			"empty ids":             {mina, map[string]any{"ids": []string{}}, "INVALID_INPUT"},
			"staff":                 {admin, map[string]any{"all": true}, "FORBIDDEN"},
			"anonymous":             {"", map[string]any{"all": true}, "UNAUTHENTICATED"},
			"one of them another's": {mina, map[string]any{"ids": []string{page.Edges[1].Node.ID, mustAnaNotification(t, b, ana)}}, "NOT_FOUND"},
		} {
			t.Run(name, func(t *testing.T) { b.GQL(t, c.token, markRead, c.vars).MustCode(t, c.code) })
		}
		if p := b.notificationsOf(t, mina); p.UnreadCount != 2 {
			t.Errorf("refused calls marked something: %d unread, want 2", p.UnreadCount)
		}
		b.GQL(t, mina, markRead, map[string]any{"all": true}).MustOK(t, &r)
		if m := r.MarkNotificationsRead; m.Marked != 2 || m.UnreadCount != 0 || len(m.Notifications) != 0 {
			t.Errorf("marking all read: %+v", m)
		}
		if p := b.notificationsOf(t, ana); p.UnreadCount != 2 {
			t.Errorf("Mina's all: true touched Ana's: %d unread, want 2", p.UnreadCount)
		}

		// Staff have no feed of their own.
		sc := b.ConnectWS(t, admin)
		sc.Subscribe("s", notificationFeed, nil)
		if m, err := sc.ReadFor("s", waitBound); err != nil || testserver.ErrorCode(m) != "FORBIDDEN" {
			t.Errorf("staff subscribe: %s %s (%v)", m.Type, m.Payload, err)
		}

		// Each in-app message is SENT by the in_app transport, with one
		// notification.
		// A notification shows before its message's SENT is recorded (the
		// next transaction): wait for the dispatches still running.
		running, err := a.DB.Message.Query().Where(message.ChannelEQ(message.ChannelIN_APP), message.StatusNEQ(message.StatusSENT)).IDs(sys(t))
		if err != nil {
			t.Fatal(err)
		}
		waitJobs(t, events, running...)
		msgs, err := a.DB.Message.Query().Where(message.ChannelEQ(message.ChannelIN_APP)).All(sys(t))
		if err != nil || len(msgs) != 6 {
			t.Fatalf("%d in-app messages (%v), want 6", len(msgs), err)
		}
		for _, m := range msgs {
			if m.Status != message.StatusSENT || m.Transport == nil || *m.Transport != "in_app" || m.Recipient != "" {
				t.Errorf("in-app message %d: %s by %v to %q", m.ID, m.Status, m.Transport, m.Recipient)
			}
		}
		if n, err := a.DB.Notification.Query().Count(sys(t)); err != nil || n != 6 {
			t.Errorf("%d notifications (%v), want 6", n, err)
		}
	})
}

// mustAnaNotification returns the id of one of the viewer's notifications.
func mustAnaNotification(t *testing.T, s *testServer, token string) string {
	t.Helper()
	p := s.notificationsOf(t, token)
	if len(p.Edges) == 0 {
		t.Fatal("no notification")
	}
	return p.Edges[0].Node.ID
}

// waitNotified waits, on events (jobEvents with in-app dispatches), until
// the dispatch of order number's in-app message has finished: its
// notification is written then.
func (s *testServer) waitNotified(t *testing.T, events <-chan *river.Event, number string) {
	t.Helper()
	m, err := s.DB.Message.Query().Where(message.ChannelEQ(message.ChannelIN_APP), message.HasOrderWith(order.Number(number))).Only(sys(t))
	if err != nil {
		t.Fatal(err)
	}
	waitJobs(t, events, m.ID)
}

// TestInAppRetryWritesOnce: a dispatch of an in-app message that runs
// again after its notification was written (a crash before SENT was
// recorded; here, staff retrying it) writes no second notification and
// no second change, and ends SENT.
func TestInAppRetryWritesOnce(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, "")
		events := s.jobEvents(t, watch{inApp: true})
		s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "IA-9", Items: 1})
		s.waitNotified(t, events, "IA-9")
		m, err := s.DB.Message.Query().Where(message.ChannelEQ(message.ChannelIN_APP), message.HasOrderWith(order.Number("IA-9"))).Only(sys(t))
		if err != nil {
			t.Fatal(err)
		}
		// As if the SENT record had been lost after every attempt.
		if err := s.DB.Message.UpdateOne(m).SetStatus(message.StatusDEAD).ClearSentAt().Exec(sys(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Notify.Retry(staff(), m.ID); err != nil {
			t.Fatal(err)
		}
		waitJobs(t, events, m.ID)
		if cur := s.DB.Message.GetX(sys(t), m.ID); cur.Status != message.StatusSENT || cur.Attempts != 2 {
			t.Errorf("the retried message is %s after %d attempts, want SENT after 2", cur.Status, cur.Attempts)
		}
		if n, err := s.DB.Notification.Query().Where(notification.MessageID(m.ID)).Count(sys(t)); err != nil || n != 1 {
			t.Errorf("%d notifications of the message (%v), want 1", n, err)
		}
		if n, err := s.DB.NotificationChange.Query().Where(notificationchange.HasNotificationWith(notification.MessageID(m.ID))).Count(sys(t)); err != nil || n != 1 {
			t.Errorf("%d feed changes of the message (%v), want 1", n, err)
		}
	})
}

// staff is a context signed in as an admin.
func staff() context.Context {
	return auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin@test"})
}
