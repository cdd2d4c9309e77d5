package loyalty_test

import (
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

const (
	tiersQuery           = `{ loyaltyTiers { id name earnMultiplier threshold { amount currencyCode } benefits } }`
	createTierMutation   = `mutation($input: LoyaltyTierInput!) { createLoyaltyTier(input: $input) { tier { id name earnMultiplier threshold { amount } benefits } } }`
	updateTierMutation   = `mutation($id: ID!, $input: LoyaltyTierInput!) { updateLoyaltyTier(id: $id, input: $input) { tier { id name earnMultiplier threshold { amount } } } }`
	deleteTierMutation   = `mutation($id: ID!) { deleteLoyaltyTier(id: $id) { deletedId } }`
	updateRewardMutation = `mutation($id: ID!, $input: UpdateRewardInput!) { updateReward(id: $id, input: $input) { reward { id name pointsCost active value { amount currencyCode } } } }`
	deactivateMutation   = `mutation($id: ID!) { deactivateReward(id: $id) { reward { active } } }`
	returnMutation       = `mutation($input: MarkItemsReturnedInput!) {
  markItemsReturned(input: $input) { orderItem { id quantity } returnedQuantity loyalty { balance { available pending } } }
}`
	myTierQuery = `{ viewer { loyalty { tier { name } balance { available pending } } } }`
)

type tier struct {
	ID, Name       string
	EarnMultiplier float64
	Threshold      struct{ Amount, CurrencyCode string }
	Benefits       []string
}

// TestTierManagementAPI: staff create, change and delete tiers through the
// API; the sweep re-tiers customers by them; bad input is INVALID_INPUT,
// NOT_FOUND or CONFLICT, customers are FORBIDDEN, and a refused change
// writes nothing.
func TestTierManagementAPI(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		s.deliveredOrder(t, "mina@example.com", "TM1", s.clock.Now().Add(-time.Hour)) // 32.02 EUR: Bronze
		admin, mina := s.Token(t, auth.RoleAdmin, "admin@test"), s.Token(t, auth.RoleCustomer, "mina@example.com")
		tiers := func(tok string) []tier {
			var out struct{ LoyaltyTiers []tier }
			s.GQL(t, tok, tiersQuery, nil).MustOK(t, &out)
			return out.LoyaltyTiers
		}
		myTier := func() string {
			t.Helper()
			if err := s.Jobs.Sweep(t.Context()); err != nil {
				t.Fatal(err)
			}
			var out struct {
				Viewer struct {
					Loyalty struct{ Tier *struct{ Name string } }
				}
			}
			s.GQL(t, mina, myTierQuery, nil).MustOK(t, &out)
			if out.Viewer.Loyalty.Tier == nil {
				return ""
			}
			return out.Viewer.Loyalty.Tier.Name
		}
		before := tiers(mina) // customers read the tiers
		if len(before) == 0 || myTier() != before[0].Name {
			t.Fatalf("tiers %+v, mina's %q", before, myTier())
		}

		in := map[string]any{"name": "Starter", "threshold": "20.00", "earnMultiplier": 1.1, "benefits": []string{"A welcome gift"}}
		var cr struct {
			CreateLoyaltyTier struct{ Tier tier }
		}
		s.GQL(t, admin, createTierMutation, map[string]any{"input": in}).MustOK(t, &cr)
		starter := cr.CreateLoyaltyTier.Tier
		if starter.Name != "Starter" || starter.EarnMultiplier != 1.1 || starter.Threshold.Amount != "20.00" || len(starter.Benefits) != 1 {
			t.Fatalf("created %+v", starter)
		}
		if got := tiers(admin); len(got) != len(before)+1 || got[1].ID != starter.ID {
			t.Fatalf("tiers after create: %+v (lowest threshold first)", got)
		}
		if n := myTier(); n != "Starter" {
			t.Fatalf("mina's tier after Starter at 20.00: %q", n)
		}
		in2 := map[string]any{"name": "Starter+", "threshold": "100.00", "earnMultiplier": 1.2, "benefits": []string{}}
		var up struct {
			UpdateLoyaltyTier struct{ Tier tier }
		}
		s.GQL(t, admin, updateTierMutation, map[string]any{"id": starter.ID, "input": in2}).MustOK(t, &up)
		if u := up.UpdateLoyaltyTier.Tier; u.ID != starter.ID || u.Name != "Starter+" || u.Threshold.Amount != "100.00" || u.EarnMultiplier != 1.2 {
			t.Fatalf("updated %+v", u)
		}
		if n := myTier(); n != before[0].Name {
			t.Fatalf("mina's tier after Starter+ moved to 100.00: %q, want %q", n, before[0].Name)
		}

		// Bad input and customers: each a code, the tiers unchanged.
		snapshot := tiers(admin)
		bad := func(f string, v any) map[string]any {
			m := map[string]any{"name": "X", "threshold": "50.00", "earnMultiplier": 1.0, "benefits": []string{}}
			m[f] = v
			return map[string]any{"input": m}
		}
		unknown := starter.ID + "999"
		for _, c := range []struct {
			name, token, query string
			vars               map[string]any
			want               string
		}{
			{"negative threshold", admin, createTierMutation, bad("threshold", "-1"), "INVALID_INPUT"},
			{"threshold not an amount", admin, createTierMutation, bad("threshold", "lots"), "INVALID_INPUT"},
			{"multiplier 0", admin, createTierMutation, bad("earnMultiplier", 0), "INVALID_INPUT"},
			{"multiplier above 100", admin, createTierMutation, bad("earnMultiplier", 101), "INVALID_INPUT"},
			{"empty name", admin, createTierMutation, bad("name", " "), "INVALID_INPUT"},
			{"name taken", admin, createTierMutation, bad("name", "Starter+"), "CONFLICT"},
			{"threshold taken", admin, createTierMutation, bad("threshold", "100.00"), "CONFLICT"},
			{"update unknown", admin, updateTierMutation, map[string]any{"id": unknown, "input": in2}, "NOT_FOUND"},
			{"delete unknown", admin, deleteTierMutation, map[string]any{"id": unknown}, "NOT_FOUND"},
			{"customer creates", mina, createTierMutation, bad("name", "Mine"), "FORBIDDEN"},
			{"customer updates", mina, updateTierMutation, map[string]any{"id": starter.ID, "input": in}, "FORBIDDEN"},
			{"customer deletes", mina, deleteTierMutation, map[string]any{"id": starter.ID}, "FORBIDDEN"},
		} {
			if res := s.GQL(t, c.token, c.query, c.vars); res.Code() != c.want {
				t.Errorf("%s: got %s %s, want %s", c.name, res.Code(), res.Raw, c.want)
			}
		}
		if got := tiers(admin); len(got) != len(snapshot) {
			t.Fatalf("a refused change wrote: %+v", got)
		}

		var del struct{ DeleteLoyaltyTier struct{ DeletedID string } }
		s.GQL(t, admin, deleteTierMutation, map[string]any{"id": starter.ID}).MustOK(t, &del)
		if del.DeleteLoyaltyTier.DeletedID != starter.ID || len(tiers(admin)) != len(before) {
			t.Fatalf("delete: %+v, tiers %+v", del, tiers(admin))
		}
	})
}

// TestRewardManagementAPI: staff change and deactivate rewards through the
// API (issued codes keep their price); bad input and customers are
// refused with a code and nothing written.
func TestRewardManagementAPI(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyRedemptions)
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "RM1", Items: 1})
		admin, mina := s.Token(t, auth.RoleAdmin, "admin@test"), s.Token(t, auth.RoleCustomer, "mina@example.com")
		code := s.mustCodes(t, "mina@example.com", 1)[0] // a €5 off for 100 points
		var cat struct {
			Rewards struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.GQL(t, admin, rewardsQuery, nil).MustOK(t, &cat)
		id := cat.Rewards.Edges[0].Node.ID

		type reward struct {
			ID, Name   string
			PointsCost int64
			Active     bool
			Value      struct{ Amount, CurrencyCode string }
		}
		var up struct{ UpdateReward struct{ Reward reward } }
		s.GQL(t, admin, updateRewardMutation, map[string]any{"id": id, "input": map[string]any{"name": "€7 off", "pointsCost": 150, "value": "7.00"}}).MustOK(t, &up)
		if r := up.UpdateReward.Reward; r.Name != "€7 off" || r.PointsCost != 150 || r.Value.Amount != "7.00" || r.Value.CurrencyCode != "EUR" || !r.Active {
			t.Fatalf("updated %+v", r)
		}
		var look struct {
			RewardCode struct {
				PointsCost int64
				Value      struct{ Amount string }
			}
		}
		s.GQL(t, admin, `query($code: String!) { rewardCode(code: $code) { pointsCost value { amount } } }`, map[string]any{"code": code}).MustOK(t, &look)
		if look.RewardCode.PointsCost != 100 || look.RewardCode.Value.Amount != "5.00" {
			t.Fatalf("an issued code changed with its reward: %+v", look.RewardCode)
		}

		unknown := id + "999"
		for _, c := range []struct {
			name, token, query string
			vars               map[string]any
			want               string
		}{
			{"create: cost 0", admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "x", "pointsCost": 0, "kind": "FREE_SHIPPING", "value": "0", "currencyCode": "EUR"}}, "INVALID_INPUT"},
			{"create: amount off of 0", admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "x", "pointsCost": 5, "kind": "AMOUNT_OFF", "value": "0", "currencyCode": "EUR"}}, "INVALID_INPUT"},
			{"create: bad currency", admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "x", "pointsCost": 5, "kind": "AMOUNT_OFF", "value": "5", "currencyCode": "EURO"}}, "INVALID_INPUT"},
			{"create: validity 0 days", admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "x", "pointsCost": 5, "kind": "FREE_SHIPPING", "value": "0", "currencyCode": "EUR", "codeValidDays": 0}}, "INVALID_INPUT"},
			{"create: no name", admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "", "pointsCost": 5, "kind": "FREE_SHIPPING", "value": "0", "currencyCode": "EUR"}}, "INVALID_INPUT"},
			{"update: negative cost", admin, updateRewardMutation, map[string]any{"id": id, "input": map[string]any{"pointsCost": -1}}, "INVALID_INPUT"},
			{"update: bad value", admin, updateRewardMutation, map[string]any{"id": id, "input": map[string]any{"value": "seven"}}, "INVALID_INPUT"},
			{"update: unknown", admin, updateRewardMutation, map[string]any{"id": unknown, "input": map[string]any{"name": "y"}}, "NOT_FOUND"},
			{"deactivate: unknown", admin, deactivateMutation, map[string]any{"id": unknown}, "NOT_FOUND"},
			{"customer updates", mina, updateRewardMutation, map[string]any{"id": id, "input": map[string]any{"pointsCost": 1}}, "FORBIDDEN"},
			{"customer deactivates", mina, deactivateMutation, map[string]any{"id": id}, "FORBIDDEN"},
		} {
			if res := s.GQL(t, c.token, c.query, c.vars); res.Code() != c.want {
				t.Errorf("%s: got %s %s, want %s", c.name, res.Code(), res.Raw, c.want)
			}
		}
		var again struct{ UpdateReward struct{ Reward reward } }
		s.GQL(t, admin, updateRewardMutation, map[string]any{"id": id, "input": map[string]any{}}).MustOK(t, &again)
		if again.UpdateReward.Reward != up.UpdateReward.Reward {
			t.Fatalf("refused updates wrote: %+v, was %+v", again.UpdateReward.Reward, up.UpdateReward.Reward)
		}
		if n := s.DB.Reward.Query().CountX(system()); n != 1 {
			t.Fatalf("%d rewards: a refused create wrote", n)
		}
		s.GQL(t, admin, deactivateMutation, map[string]any{"id": id}).MustOK(t, nil)
		s.GQL(t, mina, rewardsQuery, nil).MustOK(t, &cat)
		if len(cat.Rewards.Edges) != 0 {
			t.Fatalf("a deactivated reward is offered: %+v", cat)
		}
		s.GQL(t, mina, redeemMutation, map[string]any{"input": map[string]any{"rewardId": id}}).MustCode(t, "CONFLICT")
	})
}

// TestMarkItemsReturnedAPI: markItemsReturned through the API takes back
// the returned share of an order's points, from the pending balance
// before the return window ends and from the available one after; the
// shares of all returns sum exactly to what the order earned; bad input
// and customers are refused, nothing written.
func TestMarkItemsReturnedAPI(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.deliveredOrder(t, "mina@example.com", "MR1", s.clock.Now().Add(-time.Hour))
		minaID := s.customerOf(t, "mina@example.com").ID
		admin, mina := s.Token(t, auth.RoleAdmin, "admin@test"), s.Token(t, auth.RoleCustomer, "mina@example.com")
		earned := s.mustBalance(t, minaID).Pending
		var single, double string // the lines of 1 and 2 units
		for _, it := range o.Items {
			if it.Quantity == 1 {
				single = it.ID
			} else {
				double = it.ID
			}
		}
		type result struct {
			MarkItemsReturned struct {
				OrderItem        struct{ ID string }
				ReturnedQuantity int
				Loyalty          struct {
					Balance struct{ Available, Pending int64 }
				}
			}
		}
		ret := func(item string, qty int) result {
			t.Helper()
			var out result
			s.GQL(t, admin, returnMutation, map[string]any{"input": map[string]any{"orderItemId": item, "quantity": qty, "reason": "did not fit"}}).MustOK(t, &out)
			if b := s.mustBalance(t, minaID); b.Available != out.MarkItemsReturned.Loyalty.Balance.Available || b.Pending != out.MarkItemsReturned.Loyalty.Balance.Pending {
				t.Fatalf("payload %+v, ledger %+v", out.MarkItemsReturned.Loyalty.Balance, b)
			}
			return out
		}

		// Before the window ends: the share leaves the pending balance.
		r1 := ret(double, 1)
		b1 := r1.MarkItemsReturned.Loyalty.Balance
		share1 := earned - b1.Pending
		if r1.MarkItemsReturned.ReturnedQuantity != 1 || r1.MarkItemsReturned.OrderItem.ID != double || b1.Available != 0 || share1 <= 0 || share1 >= earned {
			t.Fatalf("first return: %+v (earned %d)", r1.MarkItemsReturned, earned)
		}
		// The window ends: what is left becomes available.
		s.clock.Advance(31 * 24 * time.Hour)
		if err := s.Jobs.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if b := s.mustBalance(t, minaID); b.Available != earned-share1 || b.Pending != 0 {
			t.Fatalf("after the window: %+v, want %d available", b, earned-share1)
		}
		// After it: the share leaves the available balance.
		r2 := ret(double, 1)
		b2 := r2.MarkItemsReturned.Loyalty.Balance
		if r2.MarkItemsReturned.ReturnedQuantity != 2 || b2.Pending != 0 || b2.Available <= 0 || b2.Available >= earned-share1 {
			t.Fatalf("second return: %+v", r2.MarkItemsReturned)
		}
		// Everything returned: the shares sum to exactly what was earned.
		r3 := ret(single, 1)
		if b := r3.MarkItemsReturned.Loyalty.Balance; b.Available != 0 || b.Pending != 0 {
			t.Fatalf("all returned: %+v, want nothing left", b)
		}

		// Bad input: each a code, no return recorded.
		returns := s.DB.ItemReturn.Query().CountX(system())
		for _, c := range []struct {
			name, token string
			in          map[string]any
			want        string
		}{
			{"quantity 0", admin, map[string]any{"orderItemId": single, "quantity": 0}, "INVALID_INPUT"},
			{"more than is left", admin, map[string]any{"orderItemId": double, "quantity": 1}, "INVALID_INPUT"},
			{"blank reason", admin, map[string]any{"orderItemId": single, "quantity": 1, "reason": " "}, "INVALID_INPUT"},
			{"unknown line", admin, map[string]any{"orderItemId": single + "999", "quantity": 1}, "NOT_FOUND"},
			{"customer", mina, map[string]any{"orderItemId": single, "quantity": 1}, "FORBIDDEN"},
		} {
			if res := s.GQL(t, c.token, returnMutation, map[string]any{"input": c.in}); res.Code() != c.want {
				t.Errorf("%s: got %s %s, want %s", c.name, res.Code(), res.Raw, c.want)
			}
		}
		if n := s.DB.ItemReturn.Query().CountX(system()); n != returns {
			t.Fatalf("%d returns after bad input, want %d", n, returns)
		}
	})
}
