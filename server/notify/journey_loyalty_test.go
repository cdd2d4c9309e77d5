package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestReferralThanks: when a referral completes (the friend's first order
// delivered and kept past its return window, the referral sweep pays),
// each side gets one REFERRAL_THANKS email through the real SMTP server,
// with their name, the other side's display name and the points the
// ledger paid; a replayed sweep queues and sends nothing new.
func TestReferralThanks(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mail := startSMTP(t)
		s := mustServer(t, dbURL, mail.URL(), func(c *app.Config) { c.StoreName = "Sample Shop" })
		minaVars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "mina@example.com", Number: "RT1", Items: 1})
		minaVars["input"].(map[string]any)["customer"].(map[string]any)["lastName"] = "Okafor"
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, minaVars).MustOK(t, nil)
		var prog struct {
			Viewer struct{ Referral struct{ Code string } }
		}
		s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), `{ viewer { referral { code } } }`, nil).MustOK(t, &prog)

		// Ana's first order comes with Mina's code (her own address and card:
		// the fraud checks have nothing to hold).
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "ana@example.com", Number: "RT2", Items: 1})
		in := vars["input"].(map[string]any)
		in["customer"].(map[string]any)["lastName"] = "Lind"
		in["referralCode"] = prog.Viewer.Referral.Code
		in["shippingAddress"] = map[string]any{"name": "Ana Lind", "line1": "Götgatan 22", "city": "Stockholm", "postalCode": "11846", "countryCode": "SE"}
		in["paymentMethod"] = map[string]any{"kind": "card", "brand": "Amex", "last4": "1009"}
		var imp struct {
			ImportOrder struct{ Order struct{ ID string } }
		}
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, &imp)
		s.MustShip(t, imp.ImportOrder.Order.ID, "DHL", "TRT2")
		s.MustTrack(t, "DHL", "TRT2", testserver.Event("RT2-d", "DELIVERED", s.clock.Now().Add(-time.Hour)))

		thanks := func() int {
			return s.DB.Message.Query().Where(message.KindEQ(message.KindREFERRAL_THANKS)).CountX(sys(t))
		}
		if err := s.Jobs.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n := thanks(); n != 0 {
			t.Fatalf("%d thanks before the return window closed", n)
		}
		s.clock.Advance(31 * 24 * time.Hour)
		if err := s.Jobs.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		// The two thanks, in any order among the orders' other emails
		// (confirmations, shipping updates, the review journey).
		got := map[string]received{}
		for len(got) < 2 {
			r := mail.wait(t)
			if r.Header.Get("X-Aftercart-Kind") == "REFERRAL_THANKS" {
				if _, dup := got[r.To[0]]; dup {
					t.Fatalf("%s thanked twice", r.To[0])
				}
				got[r.To[0]] = r
			}
		}
		mina, ana := got["mina@example.com"], got["ana@example.com"]
		if mina.Header.Get("Subject") != "Ana L. joined Sample Shop: 500 points for you" ||
			!strings.Contains(mina.Text, "Hi Mina,") || !strings.Contains(mina.Text, "Thank you for sharing: Ana L. used your referral code") ||
			!strings.Contains(mina.HTML, "<strong>500 points</strong>") {
			t.Errorf("the referrer's thanks: %q\n%s\n%s", mina.Header.Get("Subject"), mina.Text, mina.HTML)
		}
		if ana.Header.Get("Subject") != "Welcome to Sample Shop: 500 points from Mina O." ||
			!strings.Contains(ana.Text, "Hi Ana,") || !strings.Contains(ana.Text, "Mina O. referred you") ||
			!strings.Contains(ana.HTML, "<strong>500 points</strong>") {
			t.Errorf("the friend's thanks: %q\n%s\n%s", ana.Header.Get("Subject"), ana.Text, ana.HTML)
		}

		// The keys of thanks queued before the journey had settings: a
		// replay after an upgrade finds them taken.
		keys := s.DB.Message.Query().Where(message.KindEQ(message.KindREFERRAL_THANKS)).Select(message.FieldDedupeKey).StringsX(sys(t))
		for _, k := range keys {
			if !strings.HasPrefix(k, "referral:") || !(strings.HasSuffix(k, ":thanks:referrer:EMAIL") || strings.HasSuffix(k, ":thanks:friend:EMAIL")) {
				t.Errorf("a thanks keyed %q", k)
			}
		}

		// A replayed sweep: nothing new queued, nothing new sent.
		if err := s.Jobs.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n := thanks(); n != 2 {
			t.Fatalf("%d thanks after a replayed sweep, want 2", n)
		}
		if n := thanksReceived(mail); n != 2 {
			t.Fatalf("%d thanks emails, want 2", n)
		}
	})
}

// thanksReceived counts the REFERRAL_THANKS emails the SMTP server got.
func thanksReceived(mail *smtpServer) int {
	n := 0
	for _, r := range mail.received() {
		if r.Header.Get("X-Aftercart-Kind") == "REFERRAL_THANKS" {
			n++
		}
	}
	return n
}
