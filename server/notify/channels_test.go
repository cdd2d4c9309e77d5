package notify_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// journeyChannelsQuery reads every journey's channels.
const journeyChannelsQuery = `query { journeys { name settings { channels } } }`

// TestJourneyChannels: a journey's messages go out once per channel of
// its channels setting (the confirmation's default: EMAIL and IN_APP);
// WEBHOOK is refused without the store's channel URL; a channel one of
// the journey's kinds has no template for is refused until staff save
// one; with EMAIL and WEBHOOK the confirmation is one email and one
// signed POST to the real provider, no in-app notification.
func TestJourneyChannels(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		bare := mustServer(t, dbURL, mailbox.URL())
		admin := bare.Token(t, auth.RoleAdmin, "")
		var js struct {
			Journeys []struct {
				Name     string
				Settings struct{ Channels []string }
			}
		}
		bare.GQL(t, admin, journeyChannelsQuery, nil).MustOK(t, &js)
		got := map[string]string{}
		for _, j := range js.Journeys {
			got[j.Name] = strconv.Quote(strings.Join(j.Settings.Channels, ","))
		}
		if got[notify.JourneyOrderConfirmation] != `"EMAIL,IN_APP"` || got[notify.JourneyShipping] != `"EMAIL"` ||
			got[notify.JourneyReferralThanks] != `"EMAIL"` {
			t.Fatalf("default channels %v", got)
		}
		update := func(s *testServer, in map[string]any) *testserver.Response {
			return s.GQL(t, admin, updateJourneyMutation, map[string]any{"input": in})
		}
		update(bare, map[string]any{"name": notify.JourneyOrderConfirmation, "channels": []string{"EMAIL", "WEBHOOK"}}).MustCode(t, "INVALID_INPUT")
		bare.GQL(t, bare.Token(t, auth.RoleCustomer, "mina@example.com"), updateJourneyMutation,
			map[string]any{"input": map[string]any{"name": notify.JourneyShipping, "channels": []string{"EMAIL"}}}).MustCode(t, "FORBIDDEN")

		// The server without a channel URL stops before the next starts
		// on its database: on Postgres both would work one job table, and
		// bare would take the WEBHOOK message's job whenever its fake
		// clock had reached the job's scheduled_at (the two started within
		// one second) and keep it in its outbox (transport "outbox"), so
		// the provider never heard of it.
		if err := bare.Close(); err != nil {
			t.Fatal(err)
		}
		var s *testServer
		prov := startProvider(t, func() time.Time { return s.clock.Now() }, 200)
		s = mustServer(t, dbURL, mailbox.URL(), func(c *app.Config) {
			c.Mail.Webhook = notify.WebhookConfig{URL: prov.URL, Secret: providerSecret, Timeout: 5 * time.Second}
		})
		for _, bad := range [][]string{{}, {"EMAIL", "EMAIL"}} {
			update(s, map[string]any{"name": notify.JourneyOrderConfirmation, "channels": bad}).MustCode(t, "INVALID_INPUT")
		}
		// WIN_BACK ships no in-app template: refused until saved.
		update(s, map[string]any{"name": notify.JourneyWinBack, "channels": []string{"EMAIL", "IN_APP"}}).MustCode(t, "INVALID_INPUT")
		update(s, map[string]any{"name": notify.JourneyOrderConfirmation, "channels": []string{"EMAIL", "WEBHOOK"}}).MustOK(t, nil)

		events := s.jobEvents(t)
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "CH-1", Items: 1})
		wantMail(t, mailbox, message.KindORDER_CONFIRMATION, "mina@example.com")
		hook := prov.wait(t, func() string {
			m, err := s.DB.Message.Query().Where(message.HasOrderWith(order.Number("CH-1")), message.ChannelEQ(message.ChannelWEBHOOK)).Only(sys(t))
			if err != nil {
				return "the WEBHOOK message: " + err.Error()
			}
			return s.describeMessage(t, m.ID)
		})
		if !hook.Verified || hook.Payload.Kind != "ORDER_CONFIRMATION" || hook.Payload.Title != "Order CH-1 confirmed" {
			t.Fatalf("the provider got %+v", hook)
		}
		s.waitSettled(t, events, "CH-1")
		ms := s.DB.Message.Query().Where(message.HasOrderWith(order.Number("CH-1"))).AllX(sys(t))
		byChannel := map[message.Channel]string{}
		for _, m := range ms {
			byChannel[m.Channel] = m.DedupeKey + " " + string(m.Status)
		}
		o := s.DB.Order.Query().Where(order.Number("CH-1")).OnlyX(sys(t))
		key := "order:" + strconv.Itoa(o.ID) + ":confirmation:"
		if len(byChannel) != 2 || byChannel[message.ChannelEMAIL] != key+"EMAIL SENT" || byChannel[message.ChannelWEBHOOK] != key+"WEBHOOK SENT" {
			t.Fatalf("the confirmation's messages: %v, want one SENT per channel, EMAIL and WEBHOOK only", byChannel)
		}
	})
}

// TestShippingInAppDefaults: the shipping and review journeys ship IN_APP
// and WEBHOOK templates of their own, so staff turn those channels on
// without writing one; with IN_APP on, a shipment's SHIPPED reaches the
// customer in the app too, rendered from the shipped defaults (a short
// title and text with the tracking link, not the whole email).
func TestShippingInAppDefaults(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL(), func(c *app.Config) {
			c.Mail.Webhook = notify.WebhookConfig{URL: "https://sms.example.com/send", Secret: providerSecret}
		})
		admin := s.Token(t, auth.RoleAdmin, "")
		for _, name := range []string{notify.JourneyShipping, notify.JourneyReview} {
			s.GQL(t, admin, updateJourneyMutation, map[string]any{"input": map[string]any{"name": name,
				"channels": []string{"EMAIL", "IN_APP", "WEBHOOK"}}}).MustOK(t, nil)
		}
		s.GQL(t, admin, updateJourneyMutation, map[string]any{"input": map[string]any{"name": notify.JourneyShipping,
			"channels": []string{"EMAIL", "IN_APP"}}}).MustOK(t, nil)

		events := s.jobEvents(t, watch{inApp: true})
		o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "IA-1", Items: 1})
		wantMail(t, mailbox, message.KindORDER_CONFIRMATION, "mina@example.com")
		link := s.ship(t, o.ID, "SJIA1", s.clock.Now().Add(72*time.Hour))
		wantMail(t, mailbox, message.KindSHIPPED, "mina@example.com")
		m, err := s.DB.Message.Query().Where(message.HasOrderWith(order.Number("IA-1")), message.KindEQ(message.KindSHIPPED),
			message.ChannelEQ(message.ChannelIN_APP)).Only(sys(t))
		if err != nil {
			t.Fatalf("the SHIPPED in-app message: %v", err)
		}
		waitJobs(t, events, m.ID)

		var shipped *shownNotification
		for _, e := range s.notificationsOf(t, s.Token(t, auth.RoleCustomer, "mina@example.com")).Edges {
			if e.Node.Kind == "SHIPPED" {
				shipped = &e.Node
			}
		}
		switch {
		case shipped == nil:
			t.Fatal("no SHIPPED notification")
		case shipped.Title != "Order IA-1 has shipped" || !strings.Contains(shipped.Body, link) || strings.Contains(shipped.Body, "Hi Mina"):
			t.Errorf("the SHIPPED notification is not the in-app default: %+v", *shipped)
		}
	})
}
