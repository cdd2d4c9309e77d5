package loyalty_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// The contract's operations (issue 12), verbatim where the issue has them;
// the rewards page's .graphql files hold the same.
const (
	myRewardsQuery = `query MyRewards {
  viewer {
    loyalty {
      balance { available pending }
      tier { name earnMultiplier benefits }
      nextTier { name spendToReach { amount currencyCode } }
      keepTier { spendNeeded { amount currencyCode } by }
      ledger(first: 20) { edges { node { id kind points status availableAt reason createdAt order { number } } } }
    }
  }
}`
	rewardsQuery   = `query Rewards { rewards(first: 20) { edges { node { id name pointsCost value { amount currencyCode } } } } }`
	redeemMutation = `mutation Redeem($input: RedeemRewardInput!) {
  redeemReward(input: $input) { code { code value { amount currencyCode } expiresAt } loyalty { balance { available pending } } }
}`
	adjustMutation = `mutation Adjust($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { entry { id points reason } }
}`
	createRewardMutation = `mutation($input: CreateRewardInput!) { createReward(input: $input) { reward { id name active } } }`
	lookUpQuery          = `query($code: String!) { rewardCode(code: $code) { code valid status value { amount currencyCode } usedOrderRef } }`
	useMutation          = `mutation($input: UseRewardCodeInput!) { useRewardCode(input: $input) { code { status usedOrderRef } } }`
	refundMutation       = `mutation($input: RefundRewardCodeInput!) { refundRewardCode(input: $input) { code { status } entry { kind points } } }`
	loyaltySubscription  = `subscription Loyalty($after: String) { loyaltyUpdated(after: $after) { cursor balance { available pending } tier { name } } }`
)

// myRewards is MyRewards' answer.
type myRewards struct {
	Viewer struct {
		Loyalty struct {
			Balance struct{ Available, Pending int64 }
			Tier    *struct {
				Name           string
				EarnMultiplier float64
				Benefits       []string
			}
			NextTier *struct {
				Name         string
				SpendToReach struct{ Amount, CurrencyCode string }
			}
			KeepTier *struct{ By time.Time }
			Ledger   struct {
				Edges []struct {
					Node struct {
						ID, Kind, Status string
						Points           int64
						AvailableAt      *time.Time
						Reason           *string
						Order            *struct{ Number string }
					}
				}
			}
		}
	}
}

// manyRedemptions lifts the per-customer redemption limit for tests that
// are not about it.
func manyRedemptions(c *app.Config) {
	c.LoyaltyRedeemRate = ratelimit.Rate{Burst: 10_000, Every: time.Millisecond}
}

// TestLoyaltyAPI walks the contract through the real API: a delivered
// order's pending points and a staff adjustment on the ledger (newest
// first), tier and progress, the catalogue, a redemption and its code at
// the store's checkout (look up, use once, refund refused), and the bad
// inputs, each with its code and nothing written.
func TestLoyaltyAPI(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyRedemptions)
		s.deliveredOrder(t, "mina@example.com", "LA1", s.clock.Now().Add(-time.Hour))
		s.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "LA2", Items: 1})
		mina, ana := s.customerOf(t, "mina@example.com"), s.customerOf(t, "ana@example.com")
		admin, integ := s.Token(t, auth.RoleAdmin, "admin@test"), s.Integration(t)
		minaTok, anaTok := s.Token(t, auth.RoleCustomer, mina.Email), s.Token(t, auth.RoleCustomer, ana.Email)
		minaID := gid(t, s, admin, mina.Email)

		var adj struct {
			AdjustPoints struct {
				Entry struct {
					ID     string
					Points int64
					Reason string
				}
			}
		}
		s.GQL(t, admin, adjustMutation, map[string]any{"input": map[string]any{"customerId": minaID, "points": 1000, "reason": "Sorry for the delay"}}).MustOK(t, &adj)
		if e := adj.AdjustPoints.Entry; e.Points != 1000 || e.Reason != "Sorry for the delay" {
			t.Fatalf("adjustPoints: %+v", e)
		}
		var r myRewards
		s.GQL(t, minaTok, myRewardsQuery, nil).MustOK(t, &r)
		l := r.Viewer.Loyalty
		if l.Balance.Available != 1000 || l.Balance.Pending != 32 {
			t.Fatalf("balance %+v, want 1000 available, 32 pending", l.Balance)
		}
		if l.Tier == nil || l.Tier.Name != "Bronze" || l.Tier.EarnMultiplier != 1 || len(l.Tier.Benefits) == 0 {
			t.Fatalf("tier %+v, want Bronze", l.Tier)
		}
		if l.NextTier == nil || l.NextTier.Name != "Silver" || l.NextTier.SpendToReach.Amount != "467.98" || l.NextTier.SpendToReach.CurrencyCode != "EUR" {
			t.Fatalf("nextTier %+v, want Silver at 467.98 EUR more", l.NextTier)
		}
		if l.KeepTier != nil {
			t.Fatalf("keepTier %+v: Bronze (threshold 0) cannot lapse", l.KeepTier)
		}
		es := l.Ledger.Edges
		if len(es) != 2 || es[0].Node.Kind != "ADJUSTED" || es[0].Node.ID != adj.AdjustPoints.Entry.ID ||
			es[1].Node.Kind != "ORDER" || es[1].Node.Status != "PENDING" || es[1].Node.Points != 32 ||
			es[1].Node.AvailableAt == nil || es[1].Node.Order == nil || es[1].Node.Order.Number != "LA1" {
			t.Fatalf("ledger %+v", es)
		}

		// Another customer's entry looks missing by node(id:); staff see it.
		nodeQ := `query($id: ID!) { node(id: $id) { id ... on LoyaltyEntry { points } } }`
		var n struct{ Node *struct{ ID string } }
		if res := s.GQL(t, anaTok, nodeQ, map[string]any{"id": es[0].Node.ID}); res.Code() != "NOT_FOUND" && !(json.Unmarshal(res.Data, &n) == nil && n.Node == nil) {
			t.Fatalf("ana reads mina's entry: %s %+v", res.Data, res.Errors)
		}
		s.GQL(t, admin, nodeQ, map[string]any{"id": es[0].Node.ID}).MustOK(t, &n)
		if n.Node == nil {
			t.Fatal("staff cannot read the entry by node(id:)")
		}
		var staffView struct {
			Node struct {
				Loyalty struct{ Balance struct{ Available int64 } }
			}
		}
		s.GQL(t, admin, `query($id: ID!) { node(id: $id) { ... on Customer { loyalty { balance { available } } } } }`,
			map[string]any{"id": minaID}).MustOK(t, &staffView)
		if staffView.Node.Loyalty.Balance.Available != 1000 {
			t.Fatalf("staff's view of mina: %+v", staffView)
		}

		// The catalogue: staff add rewards, customers see the active ones.
		var cr struct {
			CreateReward struct{ Reward struct{ ID string } }
		}
		s.GQL(t, admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "€5 off", "pointsCost": 300,
			"kind": "AMOUNT_OFF", "value": "5.00", "currencyCode": "EUR"}}).MustOK(t, &cr)
		five := cr.CreateReward.Reward.ID
		s.GQL(t, admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "Old", "pointsCost": 1,
			"kind": "FREE_SHIPPING", "value": "0", "currencyCode": "EUR"}}).MustOK(t, &cr)
		old := cr.CreateReward.Reward.ID
		s.GQL(t, admin, `mutation($id: ID!) { deactivateReward(id: $id) { reward { active } } }`, map[string]any{"id": old}).MustOK(t, nil)
		var cat struct {
			Rewards struct {
				Edges []struct {
					Node struct {
						ID, Name   string
						PointsCost int64
						Value      struct{ Amount, CurrencyCode string }
					}
				}
			}
		}
		s.GQL(t, minaTok, rewardsQuery, nil).MustOK(t, &cat)
		if len(cat.Rewards.Edges) != 1 || cat.Rewards.Edges[0].Node.ID != five || cat.Rewards.Edges[0].Node.Value.Amount != "5.00" {
			t.Fatalf("catalogue %+v, want only the active €5 off", cat)
		}

		// Redeem: the code, and the balance it left.
		var red struct {
			RedeemReward struct {
				Code struct {
					Code      string
					Value     struct{ Amount string }
					ExpiresAt time.Time
				}
				Loyalty struct {
					Balance struct{ Available, Pending int64 }
				}
			}
		}
		s.GQL(t, minaTok, redeemMutation, map[string]any{"input": map[string]any{"rewardId": five}}).MustOK(t, &red)
		code := red.RedeemReward.Code.Code
		if len(code) != 16 || red.RedeemReward.Code.Value.Amount != "5.00" || red.RedeemReward.Loyalty.Balance.Available != 700 ||
			!red.RedeemReward.Code.ExpiresAt.After(s.clock.Now()) {
			t.Fatalf("redeemReward: %+v", red)
		}

		// The checkout: look up, use once; a used code cannot be refunded.
		var look struct {
			RewardCode struct {
				Code, Status string
				Valid        bool
				Value        struct{ Amount string }
			}
		}
		s.GQL(t, integ, lookUpQuery, map[string]any{"code": code}).MustOK(t, &look)
		if !look.RewardCode.Valid || look.RewardCode.Status != "ACTIVE" || look.RewardCode.Value.Amount != "5.00" {
			t.Fatalf("look-up: %+v", look)
		}
		var used struct {
			UseRewardCode struct {
				Code struct{ Status, UsedOrderRef string }
			}
		}
		s.GQL(t, integ, useMutation, map[string]any{"input": map[string]any{"code": code, "orderRef": "shop-991"}}).MustOK(t, &used)
		if used.UseRewardCode.Code.Status != "USED" || used.UseRewardCode.Code.UsedOrderRef != "shop-991" {
			t.Fatalf("useRewardCode: %+v", used)
		}

		// A second code, refunded to points by staff.
		s.GQL(t, minaTok, redeemMutation, map[string]any{"input": map[string]any{"rewardId": five}}).MustOK(t, &red)
		var ref struct {
			RefundRewardCode struct {
				Code  struct{ Status string }
				Entry struct {
					Kind   string
					Points int64
				}
			}
		}
		s.GQL(t, admin, refundMutation, map[string]any{"input": map[string]any{"code": red.RedeemReward.Code.Code}}).MustOK(t, &ref)
		if ref.RefundRewardCode.Code.Status != "REFUNDED" || ref.RefundRewardCode.Entry.Kind != "REFUNDED" || ref.RefundRewardCode.Entry.Points != 300 {
			t.Fatalf("refundRewardCode: %+v", ref)
		}

		// Bad input: each a code, nothing written.
		before := s.mustBalance(t, mina.ID)
		codes := s.DB.RewardCode.Query().CountX(system())
		for _, c := range []struct {
			name, token, query string
			vars               map[string]any
			want               string
		}{
			{"unknown reward", minaTok, redeemMutation, map[string]any{"input": map[string]any{"rewardId": five + "999"}}, "NOT_FOUND"},
			{"inactive reward", minaTok, redeemMutation, map[string]any{"input": map[string]any{"rewardId": old}}, "CONFLICT"},
			{"staff redeems", admin, redeemMutation, map[string]any{"input": map[string]any{"rewardId": five}}, "FORBIDDEN"},
			{"adjust without reason", admin, adjustMutation, map[string]any{"input": map[string]any{"customerId": minaID, "points": 5, "reason": "  "}}, "INVALID_INPUT"},
			{"customer adjusts", anaTok, adjustMutation, map[string]any{"input": map[string]any{"customerId": minaID, "points": 5, "reason": "me"}}, "FORBIDDEN"},
			{"customer creates a reward", anaTok, createRewardMutation, map[string]any{"input": map[string]any{"name": "x", "pointsCost": 1, "kind": "FREE_SHIPPING", "value": "0", "currencyCode": "EUR"}}, "FORBIDDEN"},
			{"customer uses a code", anaTok, useMutation, map[string]any{"input": map[string]any{"code": code, "orderRef": "x"}}, "FORBIDDEN"},
			{"customer looks a code up", anaTok, lookUpQuery, map[string]any{"code": code}, "FORBIDDEN"},
			{"malformed code", integ, lookUpQuery, map[string]any{"code": "NOPE"}, "INVALID_INPUT"},
			{"unknown code", integ, lookUpQuery, map[string]any{"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}, "NOT_FOUND"},
			{"code used twice", integ, useMutation, map[string]any{"input": map[string]any{"code": code, "orderRef": "shop-992"}}, "CONFLICT"},
			{"refund a used code", admin, refundMutation, map[string]any{"input": map[string]any{"code": code}}, "CONFLICT"},
			{"customer refunds", minaTok, refundMutation, map[string]any{"input": map[string]any{"code": code}}, "FORBIDDEN"},
			{"customer manages tiers", minaTok, `mutation { createLoyaltyTier(input: {name: "Me", threshold: "1", earnMultiplier: 9, benefits: []}) { tier { id } } }`, nil, "FORBIDDEN"},
			{"inactive rewards for customers", minaTok, `{ rewards(first: 5, includeInactive: true) { totalCount } }`, nil, "FORBIDDEN"},
		} {
			if res := s.GQL(t, c.token, c.query, c.vars); res.Code() != c.want {
				t.Errorf("%s: got %s %s, want %s", c.name, res.Code(), res.Raw, c.want)
			}
		}
		// Not enough points: 700 available, the reward costs 300: two
		// redemptions, then 100 are short.
		for range 2 {
			s.GQL(t, minaTok, redeemMutation, map[string]any{"input": map[string]any{"rewardId": five}}).MustOK(t, nil)
		}
		s.GQL(t, minaTok, redeemMutation, map[string]any{"input": map[string]any{"rewardId": five}}).MustCode(t, "INSUFFICIENT_POINTS")
		if b := s.mustBalance(t, mina.ID); before.Available != 700 || b.Available != 100 || b.Pending != before.Pending {
			t.Fatalf("balance %+v after bad input and one redemption from %+v", b, before)
		}
		if n := s.DB.RewardCode.Query().CountX(system()); n != codes+2 {
			t.Fatalf("%d codes, want %d: a refused redemption issued one", n, codes+2)
		}
		s.mustBalance(t, ana.ID)
	})
}

// TestRedeemRateLimit: past the per-customer burst, redeemReward is
// THROTTLED with a retry-after and writes nothing; time restores it.
func TestRedeemRateLimit(t *testing.T) {
	s := mustServer(t, "", func(c *app.Config) { c.LoyaltyRedeemRate = ratelimit.Rate{Burst: 2, Every: time.Minute} })
	s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "RL1", Items: 1})
	mina := s.customerOf(t, "mina@example.com")
	admin, tok := s.Token(t, auth.RoleAdmin, "admin@test"), s.Token(t, auth.RoleCustomer, mina.Email)
	s.GQL(t, admin, adjustMutation, map[string]any{"input": map[string]any{"customerId": gid(t, s, admin, mina.Email), "points": 1000, "reason": "test"}}).MustOK(t, nil)
	var cr struct {
		CreateReward struct{ Reward struct{ ID string } }
	}
	s.GQL(t, admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "Ship", "pointsCost": 10,
		"kind": "FREE_SHIPPING", "value": "0", "currencyCode": "EUR"}}).MustOK(t, &cr)
	vars := map[string]any{"input": map[string]any{"rewardId": cr.CreateReward.Reward.ID}}
	s.GQL(t, tok, redeemMutation, vars).MustOK(t, nil)
	s.GQL(t, tok, redeemMutation, vars).MustOK(t, nil)
	res := s.GQL(t, tok, redeemMutation, vars)
	res.MustCode(t, "THROTTLED")
	if res.Errors[0].Extensions["retryAfter"] == nil {
		t.Fatalf("no retryAfter: %s", res.Raw)
	}
	if b := s.mustBalance(t, mina.ID); b.Available != 980 {
		t.Fatalf("balance %+v, want 980: the throttled redemption wrote", b)
	}
	s.clock.Advance(time.Minute)
	s.GQL(t, tok, redeemMutation, vars).MustOK(t, nil)
}

// gid is the customer's GraphQL id, as staff read it.
func gid(t testing.TB, s *testServer, admin, email string) string {
	t.Helper()
	var out struct {
		Customers struct {
			Edges []struct{ Node struct{ ID, Email string } }
		}
	}
	s.GQL(t, admin, `{ customers(first: 100) { edges { node { id email } } } }`, nil).MustOK(t, &out)
	for _, e := range out.Customers.Edges {
		if e.Node.Email == email {
			return e.Node.ID
		}
	}
	t.Fatalf("no customer %s", email)
	return ""
}

// cursor0 is loyaltyUpdated's cursor before the first change: a
// subscriber given it reads every change, so none is lost to the race
// between subscribing and the first write.
var cursor0 = base64.RawURLEncoding.EncodeToString([]byte("lc:0"))
