package hooks_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/webhookdelivery"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// The review and referral events, end to end: the cause through the API
// (or the job system's sweep), the signed POST at a real receiver, once.

// writeReview is the review widget's mutation (server/reviews' contract).
const writeReview = `mutation($input: WriteReviewInput!) { writeReview(input: $input) { review { id status verifiedBuyer } } }`

// settled waits for n more hooks.deliver jobs to complete (events of
// s.jobEvents) and checks that every delivery so far SUCCEEDED: nothing is
// retried after that, so what the receiver holds then is all it gets.
func (s *testServer) settled(t *testing.T, ev <-chan *river.Event, n int) {
	t.Helper()
	for range n {
		waitEvent(t, ev, river.EventKindJobCompleted)
	}
	for _, d := range s.deliveries(t) {
		if d.Status != webhookdelivery.StatusSUCCEEDED {
			t.Fatalf("delivery %d is %s: %v", d.ID, d.Status, d.LastError)
		}
	}
}

// receivedOnce checks that the receiver got each event id of event exactly
// once, verified, and returns those requests in arrival order.
func receivedOnce(t *testing.T, rcv *receiver, event string) []got {
	t.Helper()
	seen := map[string]int{}
	var out []got
	for _, g := range rcv.received() {
		if g.Event != event {
			continue
		}
		if !g.Verified {
			t.Errorf("%s %s: signature not verified", event, g.EventID)
		}
		if g.Envelope.ID != g.EventID || string(g.Envelope.Type) != event {
			t.Errorf("envelope %+v does not match headers %s %s", g.Envelope, g.EventID, g.Event)
		}
		if _, err := time.Parse(time.RFC3339, g.Envelope.CreatedAt); err != nil {
			t.Errorf("createdAt %q: %v", g.Envelope.CreatedAt, err)
		}
		if seen[g.EventID]++; seen[g.EventID] == 1 {
			out = append(out, g)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	return out
}

// TestReviewPublishedEvent: a verified buyer's review, published at once,
// is one REVIEW_PUBLISHED; an unverified one waits for staff and is
// REVIEW_PUBLISHED only when approved, with verifiedBuyer false; each
// carries the documented fields (ReviewData) and nothing else.
func TestReviewPublishedEvent(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		rcv := startReceiver(t, s.clock, 200)
		_, secret := s.createEndpoint(t, rcv.URL, "REVIEW_PUBLISHED")
		rcv.setSecret(secret)
		ev := s.jobEvents(t)

		type reviewOut struct {
			WriteReview struct {
				Review struct {
					ID, Status    string
					VerifiedBuyer bool
				}
			}
		}
		var mina, leo reviewOut
		s.GQL(t, sh.Mina, writeReview, map[string]any{"input": map[string]any{
			"productId": sh.Products[0], "rating": 4, "title": "Sturdy", "body": "Does what it says."}}).MustOK(t, &mina)
		s.GQL(t, sh.Leo, writeReview, map[string]any{"input": map[string]any{
			"productId": sh.Products[1], "rating": 2, "body": "Not here yet, but the page promised more."}}).MustOK(t, &leo)
		if mina.WriteReview.Review.Status != "PUBLISHED" || leo.WriteReview.Review.Status != "PENDING" {
			t.Fatalf("statuses: Mina %s, Leo %s", mina.WriteReview.Review.Status, leo.WriteReview.Review.Status)
		}
		s.settled(t, ev, 1)
		if got := receivedOnce(t, rcv, "REVIEW_PUBLISHED"); len(got) != 1 {
			t.Fatalf("before approval: %d REVIEW_PUBLISHED events, want Mina's only", len(got))
		}
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{
			"itemId": leo.WriteReview.Review.ID, "action": "APPROVE"}}).MustOK(t, nil)
		s.settled(t, ev, 1)
		got := receivedOnce(t, rcv, "REVIEW_PUBLISHED")
		if len(got) != 2 {
			t.Fatalf("%d REVIEW_PUBLISHED events, want 2", len(got))
		}
		mc := s.customer(t, "mina@example.com")
		lc := s.customer(t, "leo@example.com")
		for i, c := range []struct {
			review, product string
			customer        int
			rating          float64
			title           any
			verified        bool
		}{
			{mina.WriteReview.Review.ID, sh.Products[0], mc.ID, 4, "Sturdy", true},
			{leo.WriteReview.Review.ID, sh.Products[1], lc.ID, 2, nil, false},
		} {
			data, _ := got[i].Envelope.Data.(map[string]any)
			want := map[string]any{"id": num(t, c.review), "productId": num(t, c.product), "customerId": float64(c.customer),
				"rating": c.rating, "title": c.title, "verifiedBuyer": c.verified}
			sameFields(t, "REVIEW_PUBLISHED", data, want)
		}
	})
}

// TestReferralCompletedEvent: a referral that completes in the job
// system's sweep (the friend's first order delivered, its return window
// closed) is one REFERRAL_COMPLETED with the documented fields
// (ReferralData); the sweep run again sends nothing more.
func TestReferralCompletedEvent(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		rcv := startReceiver(t, s.clock, 200)
		_, secret := s.createEndpoint(t, rcv.URL, "REFERRAL_COMPLETED")
		rcv.setSecret(secret)
		ev := s.jobEvents(t)

		// Mina's order makes her a customer with a code; Ana, a new
		// customer in another household, claims it and orders.
		s.buy(t, "mina@example.com", "Okafor", "RF1", home("Mina Okafor", "Torstraße 1", "10119"), nil)
		var prog struct {
			Viewer struct{ Referral struct{ Code string } }
		}
		s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), `{ viewer { referral { code } } }`, nil).MustOK(t, &prog)
		s.DB.Customer.Create().SetEmail("ana@example.com").SetFirstName("Ana").SetLastName("Lind").ExecX(sys(t))
		s.GQL(t, s.Token(t, auth.RoleCustomer, "ana@example.com"), `mutation($code: String!) { claimReferral(input: {code: $code}) { referrerDisplayName } }`,
			map[string]any{"code": prog.Viewer.Referral.Code}).MustOK(t, nil)
		s.buy(t, "ana@example.com", "Lind", "RF2", home("Ana Lind", "Elbchaussee 7", "22763"),
			map[string]any{"kind": "card", "brand": "Amex", "last4": "0005"})
		o := s.DB.Order.Query().Where(order.Number("RF2")).OnlyX(sys(t))
		s.MustShip(t, strconv.Itoa(o.ID), "DHL", "TRF2")
		s.MustTrack(t, "DHL", "TRF2", testserver.Event("RF2-d", "DELIVERED", s.clock.Now().Add(-time.Hour)))

		ends := *s.DB.Order.Query().Where(order.Number("RF2")).OnlyX(sys(t)).ReturnWindowEndsAt
		s.clock.Advance(ends.Sub(s.clock.Now()))
		for range 2 { // the second sweep finds nothing to complete
			if err := s.Jobs.Sweep(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		ref := s.DB.Referral.Query().Where(referral.FriendID(s.customer(t, "ana@example.com").ID)).OnlyX(sys(t))
		if ref.Status != types.ReferralComplete || ref.FirstOrderID == nil || ref.CompletedAt == nil {
			t.Fatalf("referral after the window: %+v", ref)
		}
		s.settled(t, ev, 1)
		got := receivedOnce(t, rcv, "REFERRAL_COMPLETED")
		if len(got) != 1 {
			t.Fatalf("%d REFERRAL_COMPLETED events, want 1", len(got))
		}
		data, _ := got[0].Envelope.Data.(map[string]any)
		completed, _ := data["completedAt"].(string)
		if at, err := time.Parse(time.RFC3339Nano, completed); err != nil || !at.Equal(*ref.CompletedAt) {
			t.Errorf("completedAt %q, want %s", completed, ref.CompletedAt)
		}
		sameFields(t, "REFERRAL_COMPLETED", data, map[string]any{"id": float64(ref.ID),
			"referrerId": float64(s.customer(t, "mina@example.com").ID), "friendId": float64(ref.FriendID),
			"firstOrderId": float64(o.ID), "completedAt": completed})
	})
}

// buy imports an order of two lines for email shipping to addr, paid with
// pm (nil: the fixture's).
func (s *testServer) buy(t *testing.T, email, last, number string, addr, pm map[string]any) {
	t.Helper()
	vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: email, Number: number, Items: 2})
	in := vars["input"].(map[string]any)
	in["customer"].(map[string]any)["lastName"] = last
	in["shippingAddress"] = addr
	if pm != nil {
		in["paymentMethod"] = pm
	}
	s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
}

// home is a German shipping address.
func home(name, line1, postal string) map[string]any {
	return map[string]any{"name": name, "line1": line1, "city": "Berlin", "postalCode": postal, "countryCode": "DE"}
}

// customer reads the customer with email.
func (s *testServer) customer(t *testing.T, email string) *ent.Customer {
	t.Helper()
	return s.DB.Customer.Query().Where(customer.Email(email)).OnlyX(sys(t))
}

// num is a GraphQL id as the number the event's JSON carries.
func num(t *testing.T, id string) float64 {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatalf("id %q is not numeric: %v", id, err)
	}
	return float64(n)
}

// sameFields checks that data has exactly want's fields, with want's
// values.
func sameFields(t *testing.T, event string, data, want map[string]any) {
	t.Helper()
	if len(data) != len(want) {
		t.Errorf("%s data has fields %v, want %v", event, data, want)
	}
	for k, v := range want {
		if got, ok := data[k]; !ok || got != v {
			t.Errorf("%s data[%q] = %v (present %v), want %v", event, k, got, ok, v)
		}
	}
}
