package loyalty_test

import (
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/rewardcode"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// mustCodes gives the customer n reward codes of a €5-off reward valid
// for 30 days, through the API (a staff adjustment pays for them).
func (s *testServer) mustCodes(t testing.TB, email string, n int) []string {
	t.Helper()
	admin, tok := s.Token(t, auth.RoleAdmin, "admin@test"), s.Token(t, auth.RoleCustomer, email)
	s.GQL(t, admin, adjustMutation, map[string]any{"input": map[string]any{"customerId": gid(t, s, admin, email),
		"points": 100 * n, "reason": "codes for a test"}}).MustOK(t, nil)
	var cr struct {
		CreateReward struct{ Reward struct{ ID string } }
	}
	s.GQL(t, admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "€5 off", "pointsCost": 100,
		"kind": "AMOUNT_OFF", "value": "5.00", "currencyCode": "EUR", "codeValidDays": 30}}).MustOK(t, &cr)
	var out []string
	for range n {
		var red struct {
			RedeemReward struct{ Code struct{ Code string } }
		}
		s.GQL(t, tok, redeemMutation, map[string]any{"input": map[string]any{"rewardId": cr.CreateReward.Reward.ID}}).MustOK(t, &red)
		out = append(out, red.RedeemReward.Code.Code)
	}
	return out
}

// importWithCodes is importOrder's variables for a one-line order carrying
// the reward codes.
func importWithCodes(email, number string, codes ...string) map[string]any {
	v := testserver.ImportOrderVars(testserver.OrderSpec{Email: email, Number: number, Items: 1})
	v["input"].(map[string]any)["rewardCodes"] = codes
	return v
}

// TestImportOrderRewardCodes: an imported order that carries reward codes
// marks them used for it in the import's transaction; replaying the
// import changes nothing; an unknown, malformed, repeated, expired or
// already-used code fails the whole import with its code and field, and
// nothing of it (order, customer, other codes) is written.
func TestImportOrderRewardCodes(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyRedemptions)
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "IC0", Items: 1})
		codes := s.mustCodes(t, "mina@example.com", 4)
		integ := s.Integration(t)

		var imp struct {
			ImportOrder struct {
				Created, Changed bool
				Order            struct{ ID, Number string }
			}
		}
		s.GQL(t, integ, testserver.ImportOrderMutation, importWithCodes("mina@example.com", "IC1", codes[0], codes[1])).MustOK(t, &imp)
		o := s.DB.Order.Query().Where(order.Number("IC1")).OnlyX(system())
		for _, c := range codes[:2] {
			rc := s.DB.RewardCode.Query().Where(rewardcode.Code(c)).OnlyX(system())
			if rc.UsedAt == nil || rc.UsedOrderID == nil || *rc.UsedOrderID != o.ID || rc.UsedOrderRef == nil || *rc.UsedOrderRef != "ext-IC1" {
				t.Fatalf("code %s after the import: %+v", c, rc)
			}
		}
		var look struct {
			RewardCode struct{ Status, UsedOrderRef string }
		}
		s.GQL(t, integ, lookUpQuery, map[string]any{"code": codes[0]}).MustOK(t, &look)
		if look.RewardCode.Status != "USED" || look.RewardCode.UsedOrderRef != "ext-IC1" {
			t.Fatalf("look-up after the import: %+v", look)
		}

		// The same import replayed: nothing changes, no error.
		usedAt := *s.DB.RewardCode.Query().Where(rewardcode.Code(codes[0])).OnlyX(system()).UsedAt
		s.clock.Advance(time.Minute)
		s.GQL(t, integ, testserver.ImportOrderMutation, importWithCodes("mina@example.com", "IC1", codes[0], codes[1])).MustOK(t, &imp)
		if imp.ImportOrder.Created || imp.ImportOrder.Changed {
			t.Fatalf("replayed import: %+v", imp.ImportOrder)
		}
		if at := *s.DB.RewardCode.Query().Where(rewardcode.Code(codes[0])).OnlyX(system()).UsedAt; !at.Equal(usedAt) {
			t.Fatalf("replay moved used_at from %s to %s", usedAt, at)
		}

		// Bad codes: the whole import refused, nothing written. codes[2]
		// rides along in each, to show a good code is not used either.
		nothingWritten := func(name, number string) {
			t.Helper()
			if n := s.DB.Order.Query().Where(order.Number(number)).CountX(system()); n != 0 {
				t.Errorf("%s: order %s was written", name, number)
			}
			if n := s.DB.Customer.Query().Where(customer.Email("new@example.com")).CountX(system()); n != 0 {
				t.Errorf("%s: the new customer was written", name)
			}
			if rc := s.DB.RewardCode.Query().Where(rewardcode.Code(codes[2])).OnlyX(system()); rc.UsedAt != nil {
				t.Errorf("%s: codes[2] was used", name)
			}
		}
		for _, c := range []struct {
			name, want, field string
			codes             []string
		}{
			{"used for another order", "CONFLICT", "rewardCodes[1]", []string{codes[2], codes[0]}},
			{"unknown", "NOT_FOUND", "rewardCodes[1]", []string{codes[2], "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}},
			{"malformed", "INVALID_INPUT", "rewardCodes[1]", []string{codes[2], "NOPE"}},
			{"twice", "INVALID_INPUT", "rewardCodes[1]", []string{codes[2], codes[2]}},
			{"too many", "INVALID_INPUT", "rewardCodes", []string{codes[2], codes[2], codes[2], codes[2], codes[2], codes[2], codes[2], codes[2], codes[2], codes[2], codes[2]}},
		} {
			res := s.GQL(t, integ, testserver.ImportOrderMutation, importWithCodes("new@example.com", "IC2", c.codes...))
			if res.Code() != c.want || res.Errors[0].Extensions["field"] != c.field {
				t.Errorf("%s: got %s %s, want %s on %s", c.name, res.Code(), res.Raw, c.want, c.field)
			}
			nothingWritten(c.name, "IC2")
		}
		// The checkout cannot use a code an import used.
		s.GQL(t, integ, useMutation, map[string]any{"input": map[string]any{"code": codes[1], "orderRef": "shop-1"}}).MustCode(t, "CONFLICT")

		// Expired: 30 days later codes[3] is refused; staff may refund it.
		s.clock.Advance(31 * 24 * time.Hour)
		res := s.GQL(t, integ, testserver.ImportOrderMutation, importWithCodes("new@example.com", "IC3", codes[3]))
		res.MustCode(t, "CONFLICT")
		nothingWritten("expired", "IC3")
		// A customer's token cannot import at all.
		s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), testserver.ImportOrderMutation,
			importWithCodes("mina@example.com", "IC4", codes[2])).MustCode(t, "FORBIDDEN")
		s.mustBalance(t, s.customerOf(t, "mina@example.com").ID)
	})
}
