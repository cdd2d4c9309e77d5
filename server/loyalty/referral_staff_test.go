package loyalty_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/loyalty"
)

const heldQuery = `query($status: ReferralStatus) { referrals(status: $status, first: 20) { edges { node {
  id status holdReason decisionReason decidedBy referrer { email } friend { email } } } } }`

const releaseMutation = `mutation($id: ID!, $reason: String!) { releaseReferral(input: {referralId: $id, reason: $reason}) { referral { id status decisionReason completedAt } } }`

const cancelMutation = `mutation($id: ID!, $reason: String!) { cancelReferral(input: {referralId: $id, reason: $reason}) { referral { id status decisionReason } } }`

type staffReferral struct {
	ID, Status                            string
	HoldReason, DecisionReason, DecidedBy *string
	Referrer, Friend                      *struct{ Email string }
}

// held lists referrals in status as staff.
func (s *testServer) held(t testing.TB, status string) []staffReferral {
	t.Helper()
	var out struct {
		Referrals struct {
			Edges []struct{ Node staffReferral }
		}
	}
	s.GQL(t, s.Token(t, auth.RoleAdmin, ""), heldQuery, map[string]any{"status": status}).MustOK(t, &out)
	var rs []staffReferral
	for _, e := range out.Referrals.Edges {
		rs = append(rs, e.Node)
	}
	return rs
}

// TestReferralHoldsAndStaff: a friend's first order shipping to the
// referrer's address, or paid with the referrer's card, is HELD with a
// reason only staff read; over the weekly cap too. Staff release (paid
// then, once) or cancel (never paid) with a reason; customers cannot.
func TestReferralHoldsAndStaff(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, func(c *app.Config) { c.Referrals.WeeklyCap = 1 })
		visa := map[string]any{"kind": "card", "brand": "Visa", "last4": "4242"}
		s.buy(t, "mina@example.com", "Okafor", "RH1", minaHome, visa, "").MustOK(t, nil)
		minaTok := s.Token(t, auth.RoleCustomer, "mina@example.com")
		code, _, _ := s.program(t, minaTok)
		// Ana: a real friend. Leo: ships to Mina's flat, spelled otherwise.
		// Zoe: her own address, Mina's card in Mina's name.
		flat := map[string]any{"name": "Leo Brandt", "line1": "torstrasse 1", "city": "BERLIN", "postalCode": "10119", "countryCode": "de"}
		zoeAtMinas := map[string]any{"name": "Mina Okafor", "line1": "Rue Neuve 3", "city": "Bruxelles", "postalCode": "1000", "countryCode": "BE"}
		s.buy(t, "ana@example.com", "Lind", "RH2", anaHome, amex, code).MustOK(t, nil)
		s.buy(t, "leo@example.com", "Brandt", "RH3", flat, amex, code).MustOK(t, nil)
		s.buy(t, "zoe@example.com", "Park", "RH4", zoeAtMinas, visa, code).MustOK(t, nil)
		at := s.clock.Now().Add(-time.Hour)
		for _, n := range []string{"RH2", "RH3", "RH4"} {
			s.deliver(t, n, at)
		}
		ends := *s.DB.Order.Query().Where(order.Number("RH2")).OnlyX(system()).ReturnWindowEndsAt
		res, err := s.Referrals.Sweep(t.Context(), ends)
		if err != nil || res != (loyalty.ReferralSweepResult{Paid: 1, Held: 2}) {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		if r := s.referralOf(t, "ana@example.com"); r.Status != types.ReferralComplete {
			t.Fatalf("Ana's: %+v", r)
		}
		held := s.held(t, "HELD")
		reasons := map[string]string{}
		for _, h := range held {
			if h.Referrer == nil || h.Referrer.Email != "mina@example.com" || h.Friend == nil || h.HoldReason == nil {
				t.Fatalf("held as staff see it: %+v", h)
			}
			reasons[h.Friend.Email] = *h.HoldReason
		}
		if !strings.Contains(reasons["leo@example.com"], "address the referrer has used") ||
			!strings.Contains(reasons["zoe@example.com"], "card") ||
			// The weekly cap: Ana's reward was the one for this week.
			!strings.Contains(reasons["zoe@example.com"], "cap") {
			t.Fatalf("reasons: %q", reasons)
		}
		// The referrer sees HELD, and nothing of why or of the friend.
		_, _, mine := s.program(t, minaTok)
		for _, r := range mine {
			if r.HoldReason != nil || r.Referrer != nil {
				t.Fatalf("Mina reads staff fields: %+v", r)
			}
		}
		if len(mine) != 3 {
			t.Fatalf("Mina sees %d referrals", len(mine))
		}

		leoRef, zoeRef := s.referralOf(t, "leo@example.com"), s.referralOf(t, "zoe@example.com")
		leoID, zoeID := strconv.Itoa(leoRef.ID), strconv.Itoa(zoeRef.ID)
		// Customers cannot list, release or cancel.
		s.GQL(t, minaTok, heldQuery, map[string]any{"status": "HELD"}).MustCode(t, "FORBIDDEN")
		s.GQL(t, minaTok, releaseMutation, map[string]any{"id": leoID, "reason": "x"}).MustCode(t, "FORBIDDEN")
		s.GQL(t, minaTok, cancelMutation, map[string]any{"id": leoID, "reason": "x"}).MustCode(t, "FORBIDDEN")
		admin := s.Token(t, auth.RoleAdmin, "")
		s.GQL(t, admin, releaseMutation, map[string]any{"id": leoID, "reason": "  "}).MustCode(t, "INVALID_INPUT")
		s.GQL(t, admin, releaseMutation, map[string]any{"id": "999999999", "reason": "ok"}).MustCode(t, "NOT_FOUND")
		leoC, zoeC, mina := s.customerOf(t, "leo@example.com"), s.customerOf(t, "zoe@example.com"), s.customerOf(t, "mina@example.com")
		if s.referralEntries(t, leoC.ID) != 0 || s.referralEntries(t, mina.ID) != 1 {
			t.Fatal("a refused decision paid")
		}

		// Release Leo's: a flatmate, checked by phone.
		var rel struct {
			ReleaseReferral struct {
				Referral struct{ Status, DecisionReason, CompletedAt string }
			}
		}
		s.GQL(t, admin, releaseMutation, map[string]any{"id": leoID, "reason": "flatmates, checked by phone"}).MustOK(t, &rel)
		if r := rel.ReleaseReferral.Referral; r.Status != "COMPLETE" || r.DecisionReason != "flatmates, checked by phone" || r.CompletedAt == "" {
			t.Fatalf("released: %+v", r)
		}
		if s.referralEntries(t, leoC.ID) != 1 || s.referralEntries(t, mina.ID) != 2 {
			t.Fatal("release did not pay both")
		}
		s.GQL(t, admin, releaseMutation, map[string]any{"id": leoID, "reason": "again"}).MustCode(t, "CONFLICT")
		s.GQL(t, admin, cancelMutation, map[string]any{"id": leoID, "reason": "too late"}).MustCode(t, "CONFLICT")

		// Cancel Zoe's: never paid, and a sweep does not revive it.
		s.GQL(t, admin, cancelMutation, map[string]any{"id": zoeID, "reason": "Mina's own card"}).MustOK(t, nil)
		s.GQL(t, admin, releaseMutation, map[string]any{"id": zoeID, "reason": "changed my mind"}).MustCode(t, "CONFLICT")
		if res, err := s.Referrals.Sweep(t.Context(), ends.AddDate(0, 1, 0)); err != nil || res != (loyalty.ReferralSweepResult{}) {
			t.Fatalf("sweep after decisions: %+v %v", res, err)
		}
		if s.referralEntries(t, zoeC.ID) != 0 || s.referralEntries(t, mina.ID) != 2 {
			t.Fatal("a canceled referral paid")
		}
		if c := s.held(t, "CANCELED"); len(c) != 1 || c[0].DecidedBy == nil || *c[0].DecidedBy == "" || *c[0].DecisionReason != "Mina's own card" {
			t.Fatalf("canceled as staff see it: %+v", c)
		}
		for _, id := range []int{mina.ID, leoC.ID, zoeC.ID} {
			s.mustBalance(t, id)
		}
	})
}

// TestReferralNodeIsTheReferrers: node(id:) answers a referral to its
// referrer and staff; to anyone else, the friend included, it looks
// exactly like a missing one.
func TestReferralNodeIsTheReferrers(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		s.buy(t, "mina@example.com", "Okafor", "RN1", minaHome, nil, "").MustOK(t, nil)
		s.buy(t, "leo@example.com", "Brandt", "RN2", zoeHome, nil, "").MustOK(t, nil)
		minaTok := s.Token(t, auth.RoleCustomer, "mina@example.com")
		code, _, _ := s.program(t, minaTok)
		s.buy(t, "ana@example.com", "Lind", "RN3", anaHome, amex, code).MustOK(t, nil)
		id := strconv.Itoa(s.referralOf(t, "ana@example.com").ID)
		const q = `query($id: ID!) { node(id: $id) { id ... on Referral { status friendDisplayName } } }`
		for _, tok := range []string{minaTok, s.Token(t, auth.RoleAdmin, "")} {
			var own struct {
				Node *struct{ ID, Status, FriendDisplayName string }
			}
			s.GQL(t, tok, q, map[string]any{"id": id}).MustOK(t, &own)
			if own.Node == nil || own.Node.ID != id || own.Node.FriendDisplayName != "Ana L." {
				t.Fatalf("owner or staff got %+v", own.Node)
			}
		}
		missing := s.GQL(t, minaTok, q, map[string]any{"id": "999999999"})
		for _, who := range []string{"leo@example.com", "ana@example.com"} {
			r := s.GQL(t, s.Token(t, auth.RoleCustomer, who), q, map[string]any{"id": id})
			r.MustCode(t, "NOT_FOUND")
			if string(r.Data) != string(missing.Data) {
				t.Errorf("%s: %s, a missing one %s", who, r.Data, missing.Data)
			}
		}
	})
}
