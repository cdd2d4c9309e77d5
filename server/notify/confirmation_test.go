package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// recordContact is the help desk's mutation.
const recordContact = `mutation Contact($input: RecordSupportContactInput!) {
  recordSupportContact(input: $input) { replayed contact { id channel topic at } }
}`

// variantQuery reads the variant staff see on an order's email.
const variantQuery = `query V($number: String!) {
  messages(first: 5, where: { orderNumber: $number, channel: EMAIL }) { edges { node { kind variant } } }
}`

// confirmationOf waits for the confirmation email of order number and
// returns it with the variant recorded on its message.
func (s *testServer) confirmationOf(t *testing.T, mailbox *smtpServer, number string) (received, string) {
	t.Helper()
	got := mailbox.waitFor(t, func(r received) bool {
		return strings.HasPrefix(r.Header.Get("Subject"), "Order "+number+" confirmed")
	})
	var out struct {
		Messages struct {
			Edges []struct {
				Node struct{ Kind, Variant string }
			}
		}
	}
	s.GQL(t, s.Token(t, auth.RoleAdmin, ""), variantQuery, map[string]any{"number": number}).MustOK(t, &out)
	for _, e := range out.Messages.Edges {
		if e.Node.Kind == "ORDER_CONFIRMATION" {
			return got, e.Node.Variant
		}
	}
	t.Fatalf("no ORDER_CONFIRMATION email of %s in messages: %+v", number, out)
	return got, ""
}

// variantBlocks are a phrase of each variant's block in the shipped
// templates, to check that exactly the chosen one shows.
var variantBlocks = map[notify.Variant]string{
	notify.VariantWelcome:     "first order with us",
	notify.VariantReassurance: "What happens next",
	notify.VariantEnticing:    "For next time",
	notify.VariantSimilar:     "Goes well with your order",
}

// expectVariant checks the confirmation of number: its recorded variant,
// the required contents every variant keeps, that its block (and no
// other) shows in both parts, and the phrases given.
func (s *testServer) expectVariant(t *testing.T, mailbox *smtpServer, number string, want notify.Variant, phrases ...string) received {
	t.Helper()
	got, variant := s.confirmationOf(t, mailbox, number)
	if variant != string(want) {
		t.Errorf("%s: variant %q, want %s", number, variant, want)
	}
	track := "https://shop.example.com/orders/" + number
	for _, part := range []struct{ name, body string }{{"text", got.Text}, {"html", got.HTML}} {
		for _, req := range []string{number, "Product 0", "10.00 EUR", "Expected delivery", track, returnAddress} {
			if !strings.Contains(part.body, req) {
				t.Errorf("%s (%s): the %s part lacks the required %q", number, want, part.name, req)
			}
		}
		for v, block := range variantBlocks {
			if strings.Contains(part.body, block) != (v == want) {
				t.Errorf("%s (%s): the %s part shows %s's block %q: %v", number, want, part.name, v, block, v != want)
			}
		}
		for _, p := range phrases {
			if !strings.Contains(part.body, p) {
				t.Errorf("%s (%s): the %s part lacks %q:\n%s", number, want, part.name, p, part.body)
			}
		}
	}
	return got
}

// TestConfirmationVariants, on both databases with the real SMTP server:
// which history yields which variant, what each email says, and the
// precedence (REASSURANCE > WELCOME > ENTICING > SIMILAR > PLAIN).
func TestConfirmationVariants(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		admin, integ := s.Token(t, auth.RoleAdmin, ""), s.Integration(t)
		imp := func(email, number string) testserver.ImportedOrder {
			return s.MustImport(t, testserver.OrderSpec{Email: email, Number: number, Items: 1})
		}

		// First orders: WELCOME, whatever else is true.
		for _, c := range []string{"wendy", "pat", "sam", "lara", "eric", "sue"} {
			imp(c+"@example.com", strings.ToUpper(c)+"-1")
		}
		s.expectVariant(t, mailbox, "WENDY-1", notify.VariantWelcome, "Welcome to")
		for _, n := range []string{"PAT-1", "SAM-1", "LARA-1", "ERIC-1", "SUE-1"} {
			s.expectVariant(t, mailbox, n, notify.VariantWelcome)
		}

		// A returning customer with nothing else: PLAIN.
		imp("pat@example.com", "PAT-2")
		s.expectVariant(t, mailbox, "PAT-2", notify.VariantPlain)

		// Contacted support (the help desk says so): REASSURANCE, with the
		// tracking link and what happens next.
		s.GQL(t, integ, recordContact, map[string]any{"input": map[string]any{
			"email": "SAM@example.com", "channel": "CHAT", "topic": "DELIVERY", "note": "Asked where SAM-1 is"}}).MustOK(t, nil)
		imp("sam@example.com", "SAM-2")
		s.expectVariant(t, mailbox, "SAM-2", notify.VariantReassurance, "getting in touch with us recently",
			"Follow your order at any time", "https://shop.example.com/orders/SAM-2")

		// The previous parcel was delivered two days after its estimate
		// (5 November): REASSURANCE, with an apology.
		var lara struct{ Order struct{ ID string } }
		s.GQL(t, admin, `query { order(number: "LARA-1") { id } }`, nil).MustOK(t, &lara)
		s.MustShip(t, lara.Order.ID, "DHL", "LARA-PARCEL")
		s.MustTrack(t, "DHL", "LARA-PARCEL", testserver.Event("l1", "IN_TRANSIT", time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)),
			testserver.Event("l2", "DELIVERED", time.Date(2026, 11, 7, 15, 0, 0, 0, time.UTC)))
		imp("lara@example.com", "LARA-2")
		s.expectVariant(t, mailbox, "LARA-2", notify.VariantReassurance, "later than we promised", "What happens next")

		// A referral code (issued when the customer first looked at it):
		// ENTICING, with the code.
		var ref struct {
			Viewer struct{ Referral struct{ Code string } }
		}
		s.GQL(t, s.Token(t, auth.RoleCustomer, "eric@example.com"), `{ viewer { referral { code } } }`, nil).MustOK(t, &ref)
		if ref.Viewer.Referral.Code == "" {
			t.Fatal("eric has no referral code")
		}
		imp("eric@example.com", "ERIC-2")
		s.expectVariant(t, mailbox, "ERIC-2", notify.VariantEnticing, "Share your referral code", ref.Viewer.Referral.Code)

		// Complements of a bought product (staff set them on the catalog):
		// SIMILAR, naming them; never the product bought itself.
		ctx := sys(t)
		beans, err := s.DB.Product.Query().Where(product.Sku("SKU-0")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		frother := s.DB.Product.Create().SetSku("FROTH").SetName("Milk frother").SetImageURL("https://img.example.com/froth.jpg").SaveX(ctx)
		s.DB.Product.UpdateOne(beans).AddComplements(frother, beans).ExecX(ctx)
		imp("sue@example.com", "SUE-2")
		got := s.expectVariant(t, mailbox, "SUE-2", notify.VariantSimilar, "Milk frother")
		if !strings.Contains(got.HTML, `<img src="https://img.example.com/froth.jpg"`) || strings.Count(got.Text, "Product 0") != 1 {
			t.Errorf("SUE-2's suggestions: the frother's image missing, or the bought product suggested:\n%s", got.Text)
		}

		// A coupon on the journey: ENTICING for a returning customer, over
		// SIMILAR (pat's order has complements now too).
		s.GQL(t, admin, `mutation { updateJourney(input: { name: "order_confirmation", couponCode: " THANKS10 " }) {
			journey { settings { couponCode } } } }`, nil).MustOK(t, nil)
		imp("pat@example.com", "PAT-3")
		s.expectVariant(t, mailbox, "PAT-3", notify.VariantEnticing, "THANKS10", "on your next order")

		// Precedence: sam's support contact still outweighs the coupon,
		// the complements and his new referral code...
		s.GQL(t, s.Token(t, auth.RoleCustomer, "sam@example.com"), `{ viewer { referral { code } } }`, nil).MustOK(t, nil)
		imp("sam@example.com", "SAM-3")
		s.expectVariant(t, mailbox, "SAM-3", notify.VariantReassurance, "getting in touch with us recently")
		// ... a first order outweighs the coupon ...
		imp("nina@example.com", "NINA-1")
		s.expectVariant(t, mailbox, "NINA-1", notify.VariantWelcome)
		// ... and a contact older than the window counts for nothing.
		s.GQL(t, integ, recordContact, map[string]any{"input": map[string]any{"email": "sue@example.com", "channel": "PHONE",
			"at": s.clock.Now().Add(-notify.ReassuranceWindow - time.Hour).UTC().Format(time.RFC3339)}}).MustOK(t, nil)
		imp("sue@example.com", "SUE-3")
		s.expectVariant(t, mailbox, "SUE-3", notify.VariantEnticing, "THANKS10")
	})
}

// TestConfirmationBestsellers: without complements, the bestsellers of a
// bought product's category (by units sold, other customers' orders
// included) make the SIMILAR variant; the bought product is never one.
func TestConfirmationBestsellers(t *testing.T) {
	mailbox := startSMTP(t)
	s := mustServer(t, "", mailbox.URL())
	coffee := func(email, number string, lines ...[2]any) {
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: email, Number: number, Items: len(lines)})
		items := vars["input"].(map[string]any)["items"].([]any)
		for i, l := range lines {
			it := items[i].(map[string]any)
			it["sku"], it["name"], it["category"], it["quantity"] = l[0], l[0], "Coffee", l[1]
		}
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
	}
	coffee("ann@example.com", "ANN-1", [2]any{"Beans A", 1}, [2]any{"Beans B", 5}, [2]any{"Beans C", 2})
	coffee("bob@example.com", "BOB-1", [2]any{"Beans A", 1})
	coffee("bob@example.com", "BOB-2", [2]any{"Beans A", 1})
	got, variant := s.confirmationOf(t, mailbox, "BOB-2")
	if variant != string(notify.VariantSimilar) {
		t.Fatalf("BOB-2: variant %q, want SIMILAR", variant)
	}
	b, c := strings.Index(got.Text, "- Beans B"), strings.Index(got.Text, "- Beans C")
	if b < 0 || c < 0 || b > c || strings.Contains(got.Text, "- Beans A") {
		t.Errorf("BOB-2 suggests, want Beans B then Beans C and never Beans A:\n%s", got.Text)
	}
}

// TestConfirmationTemplateVariantsValidated: a staff template is rendered
// against the sample once per variant when saved, so a typo inside one
// variant's block is refused then; the shipped one passes.
func TestConfirmationTemplateVariantsValidated(t *testing.T) {
	def, err := notify.DefaultTemplate("ORDER_CONFIRMATION", "EMAIL")
	if err != nil {
		t.Fatal(err)
	}
	if err := notify.Validate("ORDER_CONFIRMATION", "EMAIL", def); err != nil {
		t.Fatalf("the shipped template: %v", err)
	}
	for _, v := range notify.Variants {
		bad := def
		bad.Text = `{{if eq .Variant "` + string(v) + `"}}{{.CuponCode}}{{end}}` + def.Text
		err := notify.Validate("ORDER_CONFIRMATION", "EMAIL", bad)
		if err == nil || !strings.Contains(err.Error(), "CuponCode") {
			t.Errorf("a typo in the %s block: %v, want it refused", v, err)
		}
	}
}

// TestCouponCodeSetting: the coupon is the order confirmation's setting
// only; a code with spaces or too long is INVALID_INPUT and nothing is
// saved; an empty string removes it; customers are FORBIDDEN.
func TestCouponCodeSetting(t *testing.T) {
	s := mustServer(t, "", "smtp://127.0.0.1:1")
	admin := s.Token(t, auth.RoleAdmin, "")
	update := `mutation U($in: UpdateJourneyInput!) { updateJourney(input: $in) { journey { settings { couponCode } } } }`
	coupon := func() *string {
		var out struct {
			Journeys []struct {
				Name     string
				Settings struct{ CouponCode *string }
			}
		}
		s.GQL(t, admin, `{ journeys { name settings { couponCode } } }`, nil).MustOK(t, &out)
		for _, j := range out.Journeys {
			if j.Name == notify.JourneyOrderConfirmation {
				return j.Settings.CouponCode
			}
			if j.Settings.CouponCode != nil {
				t.Errorf("journey %s has a couponCode", j.Name)
			}
		}
		t.Fatal("no order_confirmation journey")
		return nil
	}
	if c := coupon(); c == nil || *c != "" {
		t.Fatalf("default coupon %v, want empty", c)
	}
	s.GQL(t, admin, update, map[string]any{"in": map[string]any{"name": "order_confirmation", "couponCode": "WELCOME5"}}).MustOK(t, nil)
	for _, in := range []map[string]any{
		{"name": "order_confirmation", "couponCode": "TWO WORDS"},
		{"name": "order_confirmation", "couponCode": strings.Repeat("X", 65)},
		{"name": notify.JourneyReview, "couponCode": "X"},
	} {
		s.GQL(t, admin, update, map[string]any{"in": in}).MustCode(t, "INVALID_INPUT")
	}
	if c := coupon(); c == nil || *c != "WELCOME5" {
		t.Errorf("after refused updates the coupon is %v, want WELCOME5", c)
	}
	s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), update,
		map[string]any{"in": map[string]any{"name": "order_confirmation", "couponCode": "MINE"}}).MustCode(t, "FORBIDDEN")
	s.GQL(t, admin, update, map[string]any{"in": map[string]any{"name": "order_confirmation", "couponCode": ""}}).MustOK(t, nil)
	if c := coupon(); c == nil || *c != "" {
		t.Errorf("after removing it the coupon is %v", c)
	}
}

// waitFor returns the first email received that match accepts: one
// received already, else the next that arrives (others are left in
// received()).
func (s *smtpServer) waitFor(t *testing.T, match func(received) bool) received {
	t.Helper()
	for _, r := range s.received() {
		if match(r) {
			return r
		}
	}
	for {
		if r := s.wait(t); match(r) {
			return r
		}
	}
}
