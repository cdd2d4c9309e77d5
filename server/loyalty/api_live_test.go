package loyalty_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// loyaltyUpdate is one loyaltyUpdated payload.
type loyaltyUpdate struct {
	Cursor  string
	Balance struct{ Available, Pending int64 }
	Tier    *struct{ Name string }
}

// nextUpdate reads the next loyaltyUpdated for id on c.
func nextUpdate(t *testing.T, c *testserver.WSClient, id string) loyaltyUpdate {
	t.Helper()
	m, err := c.ReadFor(id, 30*time.Second)
	if err != nil || m.Type != "next" {
		t.Fatalf("%s: want next, got %s %s (%v)", id, m.Type, m.Payload, err)
	}
	var p struct {
		Data   struct{ LoyaltyUpdated loyaltyUpdate }
		Errors []testserver.Error
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		t.Fatalf("%s: %s (%v)", id, m.Payload, err)
	}
	return p.Data.LoyaltyUpdated
}

// TestLoyaltyUpdated: a staff adjustment made through one instance, then a
// redemption, reach the customer's loyaltyUpdated on another instance
// (Postgres LISTEN/NOTIFY; one instance on SQLite), in order, with the
// balance as it is; a subscriber resuming after the first cursor gets the
// second change; another customer may not follow it (NOT_FOUND).
func TestLoyaltyUpdated(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		a := mustServer(t, dbURL, manyRedemptions)
		b := a
		if dbURL != "" {
			b = mustServer(t, dbURL, manyRedemptions)
		}
		a.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "LU1", Items: 1})
		a.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "LU2", Items: 1})
		mina := a.customerOf(t, "mina@example.com")
		admin := a.Token(t, auth.RoleAdmin, "admin@test")
		minaTok := b.Token(t, auth.RoleCustomer, mina.Email)

		c := b.ConnectWS(t, minaTok)
		c.Subscribe("1", loyaltySubscription, map[string]any{"after": cursor0})
		a.GQL(t, admin, adjustMutation, map[string]any{"input": map[string]any{"customerId": gid(t, a, admin, mina.Email), "points": 400, "reason": "Welcome"}}).MustOK(t, nil)
		first := nextUpdate(t, c, "1")
		if first.Balance.Available != 400 || first.Cursor == "" {
			t.Fatalf("after the adjustment: %+v", first)
		}
		var cr struct {
			CreateReward struct{ Reward struct{ ID string } }
		}
		a.GQL(t, admin, createRewardMutation, map[string]any{"input": map[string]any{"name": "€5 off", "pointsCost": 150,
			"kind": "AMOUNT_OFF", "value": "5.00", "currencyCode": "EUR"}}).MustOK(t, &cr)
		a.GQL(t, a.Token(t, auth.RoleCustomer, mina.Email), redeemMutation, map[string]any{"input": map[string]any{"rewardId": cr.CreateReward.Reward.ID}}).MustOK(t, nil)
		second := nextUpdate(t, c, "1")
		if second.Balance.Available != 250 || second.Cursor == first.Cursor {
			t.Fatalf("after the redemption: %+v (first %+v)", second, first)
		}

		// Resume after the first change: the second, and nothing before.
		r := b.ConnectWS(t, minaTok)
		r.Subscribe("2", loyaltySubscription, map[string]any{"after": first.Cursor})
		if got := nextUpdate(t, r, "2"); got.Cursor != second.Cursor || got.Balance.Available != 250 {
			t.Fatalf("resumed: %+v, want the redemption's change %+v", got, second)
		}

		// Another customer cannot follow Mina; a staff member can.
		o := b.ConnectWS(t, b.Token(t, auth.RoleCustomer, "ana@example.com"))
		o.Subscribe("3", `subscription($id: ID) { loyaltyUpdated(customerId: $id, after: "`+cursor0+`") { cursor } }`,
			map[string]any{"id": gid(t, a, admin, mina.Email)})
		if m, err := o.ReadFor("3", 30*time.Second); err != nil || testserver.ErrorCode(m) != "NOT_FOUND" {
			t.Fatalf("ana follows mina: %s %s (%v)", m.Type, m.Payload, err)
		}
		st := b.ConnectWS(t, admin)
		st.Subscribe("4", `subscription($id: ID) { loyaltyUpdated(customerId: $id, after: "`+cursor0+`") { cursor balance { available } } }`,
			map[string]any{"id": gid(t, a, admin, mina.Email)})
		if got := nextUpdate(t, st, "4"); got.Cursor != first.Cursor {
			t.Fatalf("staff's first update %+v, want %s", got, first.Cursor)
		}
		a.mustBalance(t, mina.ID)
	})
}
