package loyalty_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltychange"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/loyalty"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// The referral program through the API, on SQLite and Postgres.

// Addresses and cards of the test households: the fixture's (Mina's) and
// two others, so a friend's order is told apart from the referrer's.
var (
	minaHome = map[string]any{"name": "Mina Okafor", "line1": "Torstraße 1", "city": "Berlin", "postalCode": "10119", "countryCode": "DE"}
	anaHome  = map[string]any{"name": "Ana Lind", "line1": "Elbchaussee 7", "city": "Hamburg", "postalCode": "22763", "countryCode": "DE"}
	zoeHome  = map[string]any{"name": "Zoe Park", "line1": "Rue Neuve 3", "city": "Bruxelles", "postalCode": "1000", "countryCode": "BE"}
	amex     = map[string]any{"kind": "card", "brand": "Amex", "last4": "0005"}
)

// referralQuery is the contract's referral part of MyRewards.
const referralQuery = `{ viewer { referral { code shareUrl referrals(first: 20) { edges { node { id status friendDisplayName createdAt holdReason referrer { email } } } } } } }`

type referralNode struct {
	ID, Status, FriendDisplayName, CreatedAt string
	HoldReason                               *string
	Referrer                                 *struct{ Email string }
}

type programOut struct {
	Viewer *struct {
		Referral *struct {
			Code      string
			ShareURL  string `json:"shareUrl"`
			Referrals struct {
				Edges []struct{ Node referralNode }
			}
		}
	}
}

// program reads the viewer's referral program.
func (s *testServer) program(t testing.TB, token string) (code, shareURL string, refs []referralNode) {
	t.Helper()
	var out programOut
	s.GQL(t, token, referralQuery, nil).MustOK(t, &out)
	if out.Viewer == nil || out.Viewer.Referral == nil {
		t.Fatalf("no referral program: %+v", out)
	}
	p := out.Viewer.Referral
	for _, e := range p.Referrals.Edges {
		refs = append(refs, e.Node)
	}
	return p.Code, p.ShareURL, refs
}

// buy imports a first (or later) order for email shipping to addr, paid
// with pm, carrying a referral code when code is not "", and returns the
// response.
func (s *testServer) buy(t testing.TB, email, last, number string, addr, pm map[string]any, code string) *testserver.Response {
	t.Helper()
	vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: email, Number: number, Items: 2})
	in := vars["input"].(map[string]any)
	in["customer"].(map[string]any)["lastName"] = last
	in["shippingAddress"], in["paymentMethod"] = addr, pm
	if code != "" {
		in["referralCode"] = code
	}
	return s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars)
}

// deliver ships and delivers the order number at at.
func (s *testServer) deliver(t testing.TB, number string, at time.Time) {
	t.Helper()
	o := s.DB.Order.Query().Where(order.Number(number)).OnlyX(system())
	s.MustShip(t, strconv.Itoa(o.ID), "DHL", "T"+number)
	s.MustTrack(t, "DHL", "T"+number, testserver.Event(number+"-d", "DELIVERED", at))
}

// newCustomer creates a customer without orders (the sign-up the
// store's integration will do) and returns their token.
func (s *testServer) newCustomer(t testing.TB, email, first, last string) string {
	t.Helper()
	s.DB.Customer.Create().SetEmail(email).SetFirstName(first).SetLastName(last).ExecX(system())
	return s.Token(t, auth.RoleCustomer, email)
}

const claimMutation = `mutation($code: String!) { claimReferral(input: {code: $code}) { referrerDisplayName } }`

// referralOf reads the friend's referral.
func (s *testServer) referralOf(t testing.TB, email string) *ent.Referral {
	t.Helper()
	return s.DB.Referral.Query().Where(referral.FriendID(s.customerOf(t, email).ID)).OnlyX(system())
}

// referralEntries counts the customer's REFERRAL entries.
func (s *testServer) referralEntries(t testing.TB, customerID int) int {
	t.Helper()
	return s.DB.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(customerID), loyaltyentry.KindEQ(types.EntryReferral)).CountX(system())
}

// TestReferralCodeAndClaims: every customer has one short code and a share
// link; claiming checks every rule with its own code and writes nothing on
// a refusal; concurrent claims by one friend make one referral.
func TestReferralCodeAndClaims(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, func(c *app.Config) {
			c.Referrals.ShareURL = "https://shop.example.com/join?src=app"
			c.MaxInFlight = -1                                                             // the concurrent claims below all run
			c.Referrals.ClaimRate = ratelimit.Rate{Burst: 10_000, Every: time.Millisecond} // not about the limit
		})
		s.buy(t, "mina@example.com", "Okafor", "RF1", minaHome, nil, "").MustOK(t, nil)
		s.buy(t, "leo@example.com", "Brandt", "RF2", zoeHome, nil, "").MustOK(t, nil)
		mina, leo := s.Token(t, auth.RoleCustomer, "mina@example.com"), s.Token(t, auth.RoleCustomer, "leo@example.com")
		code, share, refs := s.program(t, mina)
		if !loyalty.ValidReferralCode(code) || share != "https://shop.example.com/join?src=app&ref="+code || len(refs) != 0 {
			t.Fatalf("program: %q %q %+v", code, share, refs)
		}
		if again, _, _ := s.program(t, mina); again != code {
			t.Fatalf("code changed: %q then %q", code, again)
		}
		if leoCode, _, _ := s.program(t, leo); leoCode == code {
			t.Fatalf("Leo and Mina share the code %q", code)
		}
		// Staff have no viewer; a customer's referral is not on another's
		// Customer either (customers(...) only shows themselves).
		var staffView struct{ Viewer *struct{} }
		s.GQL(t, s.Token(t, auth.RoleAdmin, ""), `{ viewer { referral { code } } }`, nil).MustOK(t, &staffView)
		if staffView.Viewer != nil {
			t.Fatalf("staff viewer: %+v", staffView)
		}

		ana := s.newCustomer(t, "ana@example.com", "Ana", "Lind")
		unknown := strings.Repeat("Z", loyalty.ReferralCodeLen)
		if unknown == code {
			unknown = strings.Repeat("Y", loyalty.ReferralCodeLen)
		}
		for _, c := range []struct {
			name, token, code, want string
		}{
			{"malformed", ana, "!!", "INVALID_INPUT"},
			{"too short", ana, code[:5], "INVALID_INPUT"},
			{"unknown", ana, unknown, "NOT_FOUND"},
			{"own code", mina, code, "OWN_REFERRAL_CODE"},
			{"after a first order", leo, code, "REFERRAL_AFTER_FIRST_ORDER"},
			{"staff", s.Token(t, auth.RoleAdmin, ""), code, "FORBIDDEN"},
			{"anonymous", "", code, "UNAUTHENTICATED"},
		} {
			s.GQL(t, c.token, claimMutation, map[string]any{"code": c.code}).MustCode(t, c.want)
		}
		if n := s.DB.Referral.Query().CountX(system()); n != 0 {
			t.Fatalf("%d referrals after refusals", n)
		}
		// Typed loosely: lower case, a dash, O for 0.
		typed := strings.ToLower(code[:4] + "-" + code[4:])
		var out struct {
			ClaimReferral struct{ ReferrerDisplayName string }
		}
		s.GQL(t, ana, claimMutation, map[string]any{"code": typed}).MustOK(t, &out)
		if out.ClaimReferral.ReferrerDisplayName != "Mina O." {
			t.Fatalf("claimed: %+v", out)
		}
		s.GQL(t, ana, claimMutation, map[string]any{"code": code}).MustCode(t, "ALREADY_REFERRED")
		if _, _, refs = s.program(t, mina); len(refs) != 1 || refs[0].Status != "PENDING" || refs[0].FriendDisplayName != "Ana L." ||
			refs[0].HoldReason != nil || refs[0].Referrer != nil {
			t.Fatalf("Mina's referrals: %+v", refs)
		}

		// One friend claiming 20 times at once: one referral, the rest told.
		zoe := s.newCustomer(t, "zoe@example.com", "Zoe", "Park")
		var wg sync.WaitGroup
		codes := make([]string, 20)
		for i := range codes {
			wg.Go(func() { codes[i] = s.GQL(t, zoe, claimMutation, map[string]any{"code": code}).Code() })
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			switch c {
			case "":
				ok++
			case "ALREADY_REFERRED":
			default:
				t.Errorf("concurrent claim: %s", c)
			}
		}
		if n := s.DB.Referral.Query().Where(referral.FriendID(s.customerOf(t, "zoe@example.com").ID)).CountX(system()); ok != 1 || n != 1 {
			t.Fatalf("%d claims succeeded, %d referrals; want 1 and 1", ok, n)
		}
	})
}

// TestReferralWithImportedOrder: the store passes the code with the
// friend's first order; a re-import changes nothing; a refused code fails
// the import and writes no order.
func TestReferralWithImportedOrder(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		s.buy(t, "mina@example.com", "Okafor", "RI1", minaHome, nil, "").MustOK(t, nil)
		code, share, _ := s.program(t, s.Token(t, auth.RoleCustomer, "mina@example.com"))
		if share != s.URL()+"/demo/?ref="+code {
			t.Fatalf("default share link %q", share)
		}
		s.buy(t, "ana@example.com", "Lind", "RI2", anaHome, amex, "not-a-code!").MustCode(t, "INVALID_INPUT")
		s.buy(t, "mina@example.com", "Okafor", "RI3", minaHome, nil, code).MustCode(t, "OWN_REFERRAL_CODE")
		if n := s.DB.Order.Query().Where(order.NumberIn("RI2", "RI3")).CountX(system()); n != 0 {
			t.Fatalf("%d orders written by refused imports", n)
		}
		s.buy(t, "ana@example.com", "Lind", "RI2", anaHome, amex, code).MustOK(t, nil)
		s.buy(t, "ana@example.com", "Lind", "RI2", anaHome, amex, code).MustOK(t, nil)
		ref := s.referralOf(t, "ana@example.com")
		first := s.DB.Order.Query().Where(order.Number("RI2")).OnlyX(system())
		if ref.FirstOrderID == nil || *ref.FirstOrderID != first.ID || ref.Status != types.ReferralPending {
			t.Fatalf("referral %+v, first order %d", ref, first.ID)
		}
		// Ana's second order cannot carry a code any more.
		s.buy(t, "ana@example.com", "Lind", "RI4", anaHome, amex, code).MustCode(t, "ALREADY_REFERRED")
		s.buy(t, "leo@example.com", "Brandt", "RI5", zoeHome, nil, "").MustOK(t, nil)
		s.buy(t, "leo@example.com", "Brandt", "RI6", zoeHome, nil, code).MustCode(t, "REFERRAL_AFTER_FIRST_ORDER")

		// A friend who claimed first: their first order becomes the
		// referral's, and the store passing the same code again is fine.
		zoe := s.newCustomer(t, "zoe@example.com", "Zoe", "Park")
		s.GQL(t, zoe, claimMutation, map[string]any{"code": code}).MustOK(t, nil)
		s.buy(t, "zoe@example.com", "Park", "RI7", zoeHome, amex, code).MustOK(t, nil)
		zref := s.referralOf(t, "zoe@example.com")
		if o := s.DB.Order.Query().Where(order.Number("RI7")).OnlyX(system()); zref.FirstOrderID == nil || *zref.FirstOrderID != o.ID {
			t.Fatalf("Zoe's referral %+v", zref)
		}
	})
}

// TestReferralCompletes: the referral pays both sides exactly when the
// friend's first order is delivered and its return window closed, once
// (sweeps replayed, the job system's sweep too), and records the balance
// change for loyaltyUpdated.
func TestReferralCompletes(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		s.buy(t, "mina@example.com", "Okafor", "RC1", minaHome, nil, "").MustOK(t, nil)
		minaTok := s.Token(t, auth.RoleCustomer, "mina@example.com")
		code, _, _ := s.program(t, minaTok)
		ana := s.newCustomer(t, "ana@example.com", "Ana", "Lind")
		s.GQL(t, ana, claimMutation, map[string]any{"code": code}).MustOK(t, nil)
		s.buy(t, "ana@example.com", "Lind", "RC2", anaHome, amex, "").MustOK(t, nil)
		mina, anaC := s.customerOf(t, "mina@example.com"), s.customerOf(t, "ana@example.com")

		// Not delivered: nothing due however late.
		if res, err := s.Referrals.Sweep(t.Context(), s.clock.Now().AddDate(1, 0, 0)); err != nil || res != (loyalty.ReferralSweepResult{}) {
			t.Fatalf("sweep before delivery: %+v %v", res, err)
		}
		s.deliver(t, "RC2", s.clock.Now().Add(-time.Hour))
		ends := *s.DB.Order.Query().Where(order.Number("RC2")).OnlyX(system()).ReturnWindowEndsAt
		if res, err := s.Referrals.Sweep(t.Context(), ends.Add(-time.Second)); err != nil || res != (loyalty.ReferralSweepResult{}) {
			t.Fatalf("sweep a second early: %+v %v", res, err)
		}
		changes := func(id int) int {
			return s.DB.LoyaltyChange.Query().Where(loyaltychange.CustomerID(id)).CountX(system())
		}
		minaChanges, anaChanges := changes(mina.ID), changes(anaC.ID)

		// The job system's sweep, on the fake clock moved to the end.
		s.clock.Advance(ends.Sub(s.clock.Now()))
		if err := s.Jobs.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		ref := s.referralOf(t, "ana@example.com")
		if ref.Status != types.ReferralComplete || ref.CompletedAt == nil || !ref.CompletedAt.Equal(ends) {
			t.Fatalf("after the window: %+v", ref)
		}
		for _, c := range []struct {
			id      int
			changes int
		}{{mina.ID, minaChanges}, {anaC.ID, anaChanges}} {
			if n := s.referralEntries(t, c.id); n != 1 {
				t.Errorf("customer %d: %d referral entries", c.id, n)
			}
			if changes(c.id) <= c.changes {
				t.Errorf("customer %d: no LoyaltyChange for the reward", c.id)
			}
		}
		if b := s.mustBalance(t, mina.ID); b.Available != loyalty.DefaultReferrerPoints {
			t.Fatalf("Mina: %+v", b)
		}
		// Ana's own order points: her window closed too, and the program's
		// sweeper released them in the same job run.
		if b := s.mustBalance(t, anaC.ID); b.Available < loyalty.DefaultFriendPoints || b.Pending != 0 {
			t.Fatalf("Ana: %+v", b)
		}
		// Replays pay nothing more.
		for range 3 {
			if res, err := s.Referrals.Sweep(t.Context(), ends.Add(time.Hour)); err != nil || res != (loyalty.ReferralSweepResult{}) {
				t.Fatalf("replayed sweep: %+v %v", res, err)
			}
		}
		if s.referralEntries(t, mina.ID) != 1 || s.referralEntries(t, anaC.ID) != 1 {
			t.Fatal("a replay paid again")
		}
		if _, _, refs := s.program(t, minaTok); len(refs) != 1 || refs[0].Status != "COMPLETE" {
			t.Fatalf("Mina's view: %+v", refs)
		}
	})
}

// TestReferralReturnedOrCanceled: a return from the first order cancels
// the referral at once (no hold: "delivered and kept" is a fact); a
// canceled first order voids it at the next sweep. Neither pays.
func TestReferralReturnedOrCanceled(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		s.buy(t, "mina@example.com", "Okafor", "RR1", minaHome, nil, "").MustOK(t, nil)
		code, _, _ := s.program(t, s.Token(t, auth.RoleCustomer, "mina@example.com"))
		s.buy(t, "ana@example.com", "Lind", "RR2", anaHome, amex, code).MustOK(t, nil)
		s.deliver(t, "RR2", s.clock.Now().Add(-time.Hour))
		o := s.DB.Order.Query().Where(order.Number("RR2")).WithItems().OnlyX(system())
		if _, err := s.Loyalty.MarkReturned(staff(), loyalty.ReturnInput{OrderItemID: o.Edges.Items[0].ID, Quantity: 1}); err != nil {
			t.Fatal(err)
		}
		ref := s.referralOf(t, "ana@example.com")
		if ref.Status != types.ReferralCanceled || ref.DecisionReason == nil || ref.DecidedBy == nil || *ref.DecidedBy != "system" {
			t.Fatalf("after the return: %+v", ref)
		}
		if res, err := s.Referrals.Sweep(t.Context(), o.ReturnWindowEndsAt.Add(time.Hour)); err != nil || res != (loyalty.ReferralSweepResult{}) {
			t.Fatalf("sweep: %+v %v", res, err)
		}

		canceled := s.clock.Now()
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "zoe@example.com", Number: "RR3", Items: 1})
		in := vars["input"].(map[string]any)
		in["shippingAddress"], in["referralCode"] = zoeHome, code
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
		in["canceledAt"] = canceled.Format(time.RFC3339)
		delete(in, "referralCode")
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
		if res, err := s.Referrals.Sweep(t.Context(), s.clock.Now()); err != nil || res != (loyalty.ReferralSweepResult{Voided: 1}) {
			t.Fatalf("sweep after the cancel: %+v %v", res, err)
		}
		if ref := s.referralOf(t, "zoe@example.com"); ref.Status != types.ReferralCanceled {
			t.Fatalf("canceled order's referral: %+v", ref)
		}
		if n := s.DB.LoyaltyEntry.Query().Where(loyaltyentry.KindEQ(types.EntryReferral)).CountX(system()); n != 0 {
			t.Fatalf("%d referral entries", n)
		}
	})
}

// TestClaimReferralRateLimit: past the customer's claim burst,
// claimReferral is THROTTLED with a retry hint before anything is read or
// written, whether the earlier claims failed or not; another customer is
// not affected; time restores it.
func TestClaimReferralRateLimit(t *testing.T) {
	s := mustServer(t, "", func(c *app.Config) { c.Referrals.ClaimRate = ratelimit.Rate{Burst: 2, Every: time.Minute} })
	s.buy(t, "mina@example.com", "Okafor", "RL1", minaHome, nil, "").MustOK(t, nil)
	code, _, _ := s.program(t, s.Token(t, auth.RoleCustomer, "mina@example.com"))
	ana, zoe := s.newCustomer(t, "ana@example.com", "Ana", "Lind"), s.newCustomer(t, "zoe@example.com", "Zoe", "Park")
	unknown := strings.Repeat("Z", loyalty.ReferralCodeLen)
	if unknown == code {
		unknown = strings.Repeat("Y", loyalty.ReferralCodeLen)
	}
	s.GQL(t, ana, claimMutation, map[string]any{"code": unknown}).MustCode(t, "NOT_FOUND")
	s.GQL(t, ana, claimMutation, map[string]any{"code": "!!"}).MustCode(t, "INVALID_INPUT")
	res := s.GQL(t, ana, claimMutation, map[string]any{"code": code})
	res.MustCode(t, "THROTTLED")
	if ra, ok := res.Errors[0].Extensions["retryAfter"].(float64); !ok || ra <= 0 || ra > 60 {
		t.Fatalf("retryAfter %v: %s", res.Errors[0].Extensions["retryAfter"], res.Raw)
	}
	if n := s.DB.Referral.Query().CountX(system()); n != 0 {
		t.Fatalf("%d referrals after a throttled claim", n)
	}
	s.GQL(t, zoe, claimMutation, map[string]any{"code": code}).MustOK(t, nil) // her own bucket
	s.clock.Advance(time.Minute)
	s.GQL(t, ana, claimMutation, map[string]any{"code": code}).MustOK(t, nil)
	if n := s.DB.Referral.Query().CountX(system()); n != 2 {
		t.Fatalf("%d referrals, want Zoe's and Ana's", n)
	}
}
