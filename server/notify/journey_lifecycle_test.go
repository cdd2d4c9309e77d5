package notify_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/money"
	"github.com/aftercart/aftercart/server/notify"
)

// mustPastServer is mustServer on a fake clock two years behind the wall
// clock: these tests move it by many months and deliver parcels then,
// and tracking refuses checkpoints more than a day past the wall clock.
func mustPastServer(t *testing.T, dbURL, smtpURL string, configure ...func(*app.Config)) *testServer {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Now().AddDate(-2, 0, 0).Truncate(time.Second))
	s := mustServer(t, dbURL, smtpURL, append([]func(*app.Config){func(c *app.Config) { c.Clock = clock }}, configure...)...)
	s.clock = clock
	return s
}

// buy imports an order of one item at unitPrice for email, placed now,
// ships it and records its delivery an hour ago; it returns the order id.
func (s *testServer) buy(t *testing.T, email, number, unitPrice string) string {
	t.Helper()
	vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: email, Number: number, Items: 1, PlacedAt: s.clock.Now().Add(-2 * time.Hour)})
	vars["input"].(map[string]any)["items"].([]any)[0].(map[string]any)["unitPrice"] = unitPrice
	var imp struct {
		ImportOrder struct{ Order struct{ ID string } }
	}
	s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, &imp)
	s.MustShip(t, imp.ImportOrder.Order.ID, "DHL", "TRK-"+number)
	s.MustTrack(t, "DHL", "TRK-"+number, testserver.Event(number+"-d", "DELIVERED", s.clock.Now().Add(-time.Hour)))
	return imp.ImportOrder.Order.ID
}

// sweep runs every sweeper at the clock's now.
func (s *testServer) sweep(t *testing.T) {
	t.Helper()
	if err := s.Jobs.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// journeyMessages are the emails of journey, oldest first.
func (s *testServer) journeyMessages(t *testing.T, journey string) []*ent.Message {
	t.Helper()
	return s.DB.Message.Query().Where(message.Journey(journey), message.ChannelEQ(message.ChannelEMAIL)).
		Order(ent.Asc(message.FieldID)).AllX(sys(t))
}

// waitMail returns the next email of kind whose subject starts with
// subject, dropping the others (the orders' confirmations, shipping
// updates, review requests).
func waitMail(t *testing.T, mail *smtpServer, kind, subject string) received {
	t.Helper()
	for {
		r := mail.wait(t)
		if r.Header.Get("X-Aftercart-Kind") == kind && strings.HasPrefix(r.Header.Get("Subject"), subject) {
			return r
		}
	}
}

// waitDone waits until the dispatch jobs of messages ids have completed
// (in any order; other jobs' events are dropped).
func waitDone(t *testing.T, events <-chan *river.Event, ids ...int) {
	t.Helper()
	left := map[int]bool{}
	for _, id := range ids {
		left[id] = true
	}
	for len(left) > 0 {
		e := waitEvent(t, events, river.EventKindJobCompleted)
		var args notify.SendArgs
		if json.Unmarshal(e.Job.EncodedArgs, &args) == nil {
			delete(left, args.MessageID)
		}
	}
}

// TestLoyaltyPointsAvailable: when the loyalty sweep releases an order's
// pending points (its return window closed), the customer gets one
// LOYALTY email with the points and the new balance, through the real
// SMTP server; a replayed sweep sends nothing new; with the journey
// turned off, the next release's message is SKIPPED.
func TestLoyaltyPointsAvailable(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mail := startSMTP(t)
		s := mustPastServer(t, dbURL, mail.URL())
		s.buy(t, "mina@example.com", "LP1", "80.00")
		s.sweep(t)
		if n := len(s.journeyMessages(t, notify.JourneyLoyaltyPoints)); n != 0 {
			t.Fatalf("%d points messages while the points are pending", n)
		}
		s.clock.Advance(31 * 24 * time.Hour)
		s.sweep(t)
		r := waitMail(t, mail, "LOYALTY", "")
		id := s.DB.Customer.Query().Where(customer.Email("mina@example.com")).OnlyIDX(sys(t))
		earned := s.DB.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(id), loyaltyentry.KindEQ(types.EntryOrder)).OnlyX(sys(t))
		acct := s.DB.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(id)).OnlyX(sys(t))
		if earned.Status != types.EntryAvailable || acct.Available != earned.Points || earned.Points <= 0 {
			t.Fatalf("the ledger after the release: %s %d points, available %d", earned.Status, earned.Points, acct.Available)
		}
		if r.Header.Get("Subject") != fmt.Sprintf("%d points are ready to spend", earned.Points) ||
			!strings.Contains(r.Text, "Hi Mina,") ||
			!strings.Contains(r.Text, fmt.Sprintf("%d points from your orders are now available: your balance is %d points", earned.Points, acct.Available)) ||
			!strings.Contains(r.HTML, fmt.Sprintf(`<strong class="balance">%d points</strong>`, acct.Available)) ||
			r.Header.Get("List-Unsubscribe") != "" {
			t.Errorf("the points email: %q (List-Unsubscribe %q)\n%s\n%s", r.Header.Get("Subject"), r.Header.Get("List-Unsubscribe"), r.Text, r.HTML)
		}
		ms := s.journeyMessages(t, notify.JourneyLoyaltyPoints)
		if len(ms) != 1 || !ms[0].Transactional || ms[0].Kind != message.KindLOYALTY {
			t.Fatalf("points messages: %+v", ms)
		}

		// Replayed: nothing new.
		s.sweep(t)
		if n := len(s.journeyMessages(t, notify.JourneyLoyaltyPoints)); n != 1 {
			t.Fatalf("%d points messages after a replayed sweep", n)
		}

		// Turned off: the next release is recorded SKIPPED.
		s.GQL(t, s.Token(t, auth.RoleAdmin, ""), updateJourneyMutation,
			map[string]any{"input": map[string]any{"name": notify.JourneyLoyaltyPoints, "enabled": false}}).MustOK(t, nil)
		s.buy(t, "mina@example.com", "LP2", "30.00")
		s.clock.Advance(31 * 24 * time.Hour)
		s.sweep(t)
		ms = s.journeyMessages(t, notify.JourneyLoyaltyPoints)
		if len(ms) != 2 || ms[1].Status != message.StatusSKIPPED || ms[1].SkipReason == nil || *ms[1].SkipReason != notify.SkipJourneyOff {
			t.Fatalf("the release with the journey off: %d messages, last %+v", len(ms), ms[len(ms)-1])
		}
	})
}

// TestLoyaltyTierMessages: reaching Silver sends "Welcome to Silver" at
// the delivery that reached it, once (a replayed delivery sends nothing);
// the lapse warning waits until delayDays before spend rolls off; a
// second purchase moves the lapse date, so the first warning is skipped
// when due and the new date gets its own; after the tier lapsed, reaching
// it again is a new spell and a new message.
func TestLoyaltyTierMessages(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mail := startSMTP(t)
		s := mustPastServer(t, dbURL, mail.URL(), func(c *app.Config) { c.StoreName = "Sample Shop" })
		events := s.jobEvents(t)
		day := 24 * time.Hour
		s.buy(t, "mina@example.com", "LT1", "600.00")
		d1 := s.clock.Now().Add(-time.Hour) // the delivery: spend counts from here
		r := waitMail(t, mail, "LOYALTY", "Welcome to Silver")
		if !strings.Contains(r.Text, "you reached Silver") || !strings.Contains(r.Text, "- Free standard shipping") ||
			!strings.Contains(r.HTML, "<li>Free standard shipping</li>") {
			t.Errorf("the tier email:\n%s\n%s", r.Text, r.HTML)
		}
		s.MustTrack(t, "DHL", "TRK-LT1", testserver.Event("LT1-d", "DELIVERED", d1)) // replayed webhook
		if n := len(s.journeyMessages(t, notify.JourneyLoyaltyTier)); n != 1 {
			t.Fatalf("%d tier messages after a replayed delivery, want 1", n)
		}

		lapses := func() []*ent.Message { return s.journeyMessages(t, notify.JourneyLoyaltyLapse) }
		ls := lapses()
		warn1 := d1.AddDate(1, 0, 0).AddDate(0, 0, -notify.DefaultLapseWarningDays)
		if len(ls) != 1 || ls[0].Status != message.StatusQUEUED || ls[0].DueAt == nil || !ls[0].DueAt.Equal(warn1) || ls[0].Transactional {
			t.Fatalf("the lapse warning after reaching Silver: %+v; want one marketing message due %v", ls, warn1)
		}

		// Half a year later a second order: Silver now lapses when it rolls off.
		s.clock.Advance(180 * day)
		s.sweep(t)
		s.buy(t, "mina@example.com", "LT2", "600.00")
		d2 := s.clock.Now().Add(-time.Hour)
		if n := len(s.journeyMessages(t, notify.JourneyLoyaltyTier)); n != 1 {
			t.Fatalf("%d tier messages after a second Silver order, want 1", n)
		}
		warn2 := d2.AddDate(1, 0, 0).AddDate(0, 0, -notify.DefaultLapseWarningDays)
		if ls = lapses(); len(ls) != 2 || !ls[1].DueAt.Equal(warn2) {
			t.Fatalf("lapse warnings after the second order: %d, want a second due %v", len(ls), warn2)
		}

		// The first warning's time: the customer bought enough, skipped.
		s.clock.Advance(warn1.Sub(s.clock.Now()))
		s.sweep(t)
		waitDone(t, events, ls[0].ID)
		first := s.DB.Message.GetX(sys(t), ls[0].ID)
		if first.Status != message.StatusSKIPPED || first.SkipReason == nil || !strings.Contains(*first.SkipReason, "bought enough meanwhile") {
			t.Fatalf("the first warning when due: %s %v", first.Status, first.SkipReason)
		}
		if n := len(lapses()); n != 2 {
			t.Fatalf("%d lapse warnings after the first roll-off, want 2", n)
		}

		// The second warning's time, a minute early and then on time.
		s.clock.Advance(warn2.Sub(s.clock.Now()) - time.Minute)
		s.sweep(t)
		if m := s.DB.Message.GetX(sys(t), ls[1].ID); m.Status != message.StatusQUEUED {
			t.Fatalf("the second warning a minute early: %s", m.Status)
		}
		s.clock.Advance(time.Minute)
		s.sweep(t)
		need := money.Money{Minor: 500_00, Currency: "EUR"}.String() // Silver's threshold, nothing else in the window
		by := d2.UTC().AddDate(1, 0, 0).Format("2 January 2006")     // dates in messages are UTC
		r = waitMail(t, mail, "LOYALTY", "Keep your Silver status")
		if r.Header.Get("Subject") != fmt.Sprintf("Keep your Silver status: %s by %s", need, by) ||
			!strings.Contains(r.Text, fmt.Sprintf("your Silver status lapses on %s", by)) ||
			!strings.Contains(r.Text, "Unsubscribe: ") || r.Header.Get("List-Unsubscribe") == "" {
			t.Errorf("the lapse warning: %q\n%s", r.Header.Get("Subject"), r.Text)
		}

		// Silver lapses; reaching it again is a new spell.
		s.clock.Advance(15 * day)
		s.sweep(t)
		s.buy(t, "mina@example.com", "LT3", "600.00")
		waitMail(t, mail, "LOYALTY", "Welcome to Silver")
		if n := len(s.journeyMessages(t, notify.JourneyLoyaltyTier)); n != 2 {
			t.Fatalf("%d tier messages after reaching Silver again, want 2", n)
		}
	})
}

// createReward adds an active reward through the staff API.
func (s *testServer) createReward(t *testing.T, name string, cost int) {
	t.Helper()
	s.GQL(t, s.Token(t, auth.RoleAdmin, ""), `mutation R($input: CreateRewardInput!) { createReward(input: $input) { reward { id } } }`,
		map[string]any{"input": map[string]any{"name": name, "pointsCost": cost, "kind": "AMOUNT_OFF", "value": "5.00", "currencyCode": "EUR"}}).MustOK(t, nil)
}

// TestWinBack: a customer with no order for the journey's 90 days gets
// one WIN_BACK email (not a minute before), naming their last order,
// their points and the best reward those buy; a replayed sweep sends
// nothing new; a new order and a new quiet spell win them back again.
func TestWinBack(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mail := startSMTP(t)
		s := mustPastServer(t, dbURL, mail.URL(), func(c *app.Config) { c.StoreName = "Sample Shop" })
		s.createReward(t, "€5 off", 50)
		s.createReward(t, "€50 off", 5000)
		// Leo left long ago: turning win-back on does not write to him.
		s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "W0", Items: 1, PlacedAt: s.clock.Now().AddDate(0, 0, -200)})
		placed := s.clock.Now().Add(-2 * time.Hour)
		s.buy(t, "mina@example.com", "W1", "80.00")
		quiet := 90 * 24 * time.Hour
		s.clock.Advance(placed.Add(quiet).Sub(s.clock.Now()) - time.Minute)
		s.sweep(t)
		if n := len(s.journeyMessages(t, notify.JourneyWinBack)); n != 0 {
			t.Fatalf("%d win-backs a minute before 90 quiet days", n)
		}
		s.clock.Advance(time.Minute)
		s.sweep(t)
		r := waitMail(t, mail, "WIN_BACK", "")
		id := s.DB.Customer.Query().Where(customer.Email("mina@example.com")).OnlyIDX(sys(t))
		points := s.DB.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(id)).OnlyX(sys(t)).Available
		if points < 50 || points >= 5000 {
			t.Fatalf("Mina has %d points; the test wants the €5 reward and not the €50 one in reach", points)
		}
		if r.Header.Get("Subject") != "We miss you at Sample Shop, Mina" ||
			!strings.Contains(r.Text, fmt.Sprintf("(W1, %s)", placed.UTC().Format("2 January 2006"))) ||
			!strings.Contains(r.Text, fmt.Sprintf("You have %d loyalty points waiting: enough for €5 off.", points)) ||
			!strings.Contains(r.Text, "Order again: https://shop.example.com/orders/W1") ||
			!strings.Contains(r.HTML, `class="order-button" href="`) ||
			!strings.Contains(r.Text, "Unsubscribe: ") || r.Header.Get("List-Unsubscribe") == "" {
			t.Errorf("the win-back: %q\n%s\n%s", r.Header.Get("Subject"), r.Text, r.HTML)
		}
		ms := s.journeyMessages(t, notify.JourneyWinBack)
		if len(ms) != 1 || ms[0].Recipient != "mina@example.com" || ms[0].Transactional || ms[0].OrderID == nil || ms[0].Kind != message.KindWIN_BACK {
			t.Fatalf("win-backs: %+v", ms)
		}
		first := *ms[0].OrderID

		// Replayed: nothing new.
		s.sweep(t)
		if n := len(s.journeyMessages(t, notify.JourneyWinBack)); n != 1 {
			t.Fatalf("%d win-backs after a replayed sweep", n)
		}

		// A new order, then a new quiet spell: won back again, for it.
		s.buy(t, "mina@example.com", "W2", "20.00")
		s.sweep(t)
		if n := len(s.journeyMessages(t, notify.JourneyWinBack)); n != 1 {
			t.Fatalf("%d win-backs right after a new order", n)
		}
		s.clock.Advance(quiet)
		s.sweep(t)
		r = waitMail(t, mail, "WIN_BACK", "")
		ms = s.journeyMessages(t, notify.JourneyWinBack)
		if len(ms) != 2 || *ms[1].OrderID == first || !strings.Contains(r.Text, "(W2, ") {
			t.Fatalf("the second spell: %d win-backs; the email:\n%s", len(ms), r.Text)
		}
	})
}

// TestWinBackSkips: a win-back waiting (quiet hours) is skipped when due
// if the customer ordered meanwhile, while another customer's goes; with
// the journey turned off, the next quiet spell's is recorded SKIPPED;
// the sweep queues in bounded batches.
func TestWinBackSkips(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		defer notify.SetWinBackBatch(1)()
		mail := startSMTP(t)
		start := time.Now().AddDate(-2, 0, 0).Truncate(time.Minute).UTC()
		window := start.Add(-time.Hour).Format("15:04") + "-" + start.Add(time.Hour).Format("15:04")
		s := mustPastServer(t, dbURL, mail.URL(), func(c *app.Config) {
			c.Mail.Rules.QuietHours, c.Mail.Rules.TimeZone = window, "UTC"
		})
		events := s.jobEvents(t)
		for _, who := range []string{"mina", "ana"} {
			s.MustImport(t, testserver.OrderSpec{Email: who + "@example.com", Number: who + "-1", Items: 1, PlacedAt: s.clock.Now()})
		}
		// 91 days later, at the same time of day: inside quiet hours.
		s.clock.Advance(91 * 24 * time.Hour)
		s.sweep(t)
		ms := s.journeyMessages(t, notify.JourneyWinBack)
		if len(ms) != 2 {
			t.Fatalf("%d win-backs, want Mina's and Ana's (batches of one)", len(ms))
		}
		waitDone(t, events, ms[0].ID, ms[1].ID)
		ms = s.journeyMessages(t, notify.JourneyWinBack)
		for _, m := range ms {
			if m.Status != message.StatusQUEUED || m.DueAt == nil {
				t.Fatalf("a win-back in quiet hours: %s due %v", m.Status, m.DueAt)
			}
		}
		mina, ana := ms[0], ms[1]
		if mina.Recipient != "mina@example.com" {
			mina, ana = ana, mina
		}
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "mina-2", Items: 1, PlacedAt: s.clock.Now()})
		s.clock.Advance(mina.DueAt.Sub(s.clock.Now()))
		s.sweep(t)
		if r := waitMail(t, mail, "WIN_BACK", ""); r.To[0] != "ana@example.com" {
			t.Fatalf("the win-back went to %s", r.To[0])
		}
		waitDone(t, events, mina.ID, ana.ID)
		if m := s.DB.Message.GetX(sys(t), mina.ID); m.Status != message.StatusSKIPPED || m.SkipReason == nil || *m.SkipReason != "the customer ordered again" {
			t.Fatalf("Mina's win-back after her new order: %s %v", m.Status, m.SkipReason)
		}
		if m := s.DB.Message.GetX(sys(t), ana.ID); m.Status != message.StatusSENT {
			t.Fatalf("Ana's win-back: %s", m.Status)
		}

		// Turned off: Mina's next quiet spell is recorded, not sent.
		s.GQL(t, s.Token(t, auth.RoleAdmin, ""), updateJourneyMutation,
			map[string]any{"input": map[string]any{"name": notify.JourneyWinBack, "enabled": false}}).MustOK(t, nil)
		s.clock.Advance(91 * 24 * time.Hour)
		s.sweep(t)
		ms = s.journeyMessages(t, notify.JourneyWinBack)
		if len(ms) != 3 || ms[2].Recipient != "mina@example.com" || ms[2].Status != message.StatusSKIPPED ||
			ms[2].SkipReason == nil || *ms[2].SkipReason != notify.SkipJourneyOff {
			t.Fatalf("win-backs with the journey off: %d, last %+v", len(ms), ms[len(ms)-1])
		}
	})
}

// TestLifecycleTemplates: the shipped LOYALTY and WIN_BACK templates
// validate, and an unknown variable in any part of them (each part runs
// against the sample) is refused at save.
func TestLifecycleTemplates(t *testing.T) {
	for _, kind := range []message.Kind{message.KindLOYALTY, message.KindWIN_BACK} {
		def, err := notify.DefaultTemplate(kind, message.ChannelEMAIL)
		if err != nil {
			t.Fatal(err)
		}
		if err := notify.Validate(kind, message.ChannelEMAIL, def); err != nil {
			t.Errorf("%s's default: %v", kind, err)
		}
	}
	for _, tc := range []struct {
		kind       message.Kind
		part, text string
	}{
		{message.KindLOYALTY, "text", "{{with .TierLapsing}}{{.Deadline}}{{end}}"},
		{message.KindLOYALTY, "html", "{{with .PointsAvailable}}{{.Pending}}{{end}}"},
		{message.KindLOYALTY, "subject", "{{with .TierReached}}{{.Name}}{{end}}"},
		{message.KindWIN_BACK, "text", "{{if .Reward}}{{.RewardCode}}{{end}}"},
		{message.KindWIN_BACK, "subject", "{{.LastName}}"},
	} {
		def, _ := notify.DefaultTemplate(tc.kind, message.ChannelEMAIL)
		switch tc.part {
		case "text":
			def.Text = tc.text
		case "html":
			def.HTML = tc.text
		case "subject":
			def.Subject = tc.text
		}
		err := notify.Validate(tc.kind, message.ChannelEMAIL, def)
		if err == nil || !strings.Contains(err.Error(), tc.part) {
			t.Errorf("%s %s %q: %v, want refused naming the part", tc.kind, tc.part, tc.text, err)
		}
	}
}
