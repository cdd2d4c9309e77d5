package loyalty_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/loyalty"
)

// reward creates a catalogue entry.
func (s *testServer) reward(t testing.TB, cost int64, active bool) *ent.Reward {
	t.Helper()
	return s.DB.Reward.Create().SetName("€5 off").SetPointsCost(cost).SetKind(types.RewardAmountOff).
		SetValueMinor(500).SetCurrency("EUR").SetActive(active).SaveX(system())
}

// TestConcurrentRedemptions: 1,000 concurrent redemptions against a
// balance that covers 7 of them: exactly 7 succeed, the rest are
// INSUFFICIENT_POINTS, the balance ends at what is left and equals the sum
// of the entries.
func TestConcurrentRedemptions(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyRedemptions)
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "LY3", Items: 1})
		mina := s.customerOf(t, "mina@example.com")
		if _, err := s.Loyalty.Adjust(staff(), loyalty.AdjustInput{CustomerID: mina.ID, Points: 7*100 + 99, Reason: "welcome"}); err != nil {
			t.Fatal(err)
		}
		rw := s.reward(t, 100, true)
		const n = 1000
		var ok, short atomic.Int64
		var other sync.Map
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := s.Loyalty.Redeem(as(mina), rw.ID)
				switch codeOf(err) {
				case "":
					ok.Add(1)
				case string(loyalty.InsufficientPoints):
					short.Add(1)
				default:
					other.Store(err.Error(), true)
				}
			})
		}
		wg.Wait()
		other.Range(func(k, _ any) bool { t.Errorf("unexpected error: %v", k); return true })
		if ok.Load() != 7 || short.Load() != n-7 {
			t.Fatalf("%d succeeded, %d short; want 7 and %d", ok.Load(), short.Load(), n-7)
		}
		if b := s.mustBalance(t, mina.ID); b != (loyalty.Balance{Available: 99}) {
			t.Fatalf("balance %+v, want 99 available", b)
		}
		if c := s.DB.RewardCode.Query().CountX(system()); c != 7 {
			t.Fatalf("%d codes, want 7", c)
		}
	})
}

// TestRewardCodes: a code is used once (100 concurrent uses at checkout:
// one wins), an expired or used one is refused with why, staff refund an
// unused one to points once.
func TestRewardCodes(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyRedemptions)
		s.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "LY4", Items: 1})
		ana := s.customerOf(t, "ana@example.com")
		if _, err := s.Loyalty.Adjust(staff(), loyalty.AdjustInput{CustomerID: ana.ID, Points: 300, Reason: "goodwill"}); err != nil {
			t.Fatal(err)
		}
		rw := s.reward(t, 100, true)
		r1, err := s.Loyalty.Redeem(as(ana), rw.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r1.Balance != (loyalty.Balance{Available: 200}) || len(r1.Code.Code) != loyalty.CodeLen || r1.Code.ValueMinor != 500 {
			t.Fatalf("redeemed %+v, code %+v", r1.Balance, r1.Code)
		}
		if got, err := s.Loyalty.LookUpCode(staff(), r1.Code.Code); err != nil || got.UsedAt != nil {
			t.Fatalf("look-up: %+v %v", got, err)
		}
		var wins atomic.Int64
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				_, err := s.Loyalty.UseCode(staff(), r1.Code.Code, "store-order-1")
				switch codeOf(err) {
				case "":
					wins.Add(1)
				case "CONFLICT":
				default:
					t.Errorf("use: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d uses won, want 1", wins.Load())
		}
		if _, err := s.Loyalty.RefundCode(staff(), r1.Code.Code); codeOf(err) != "CONFLICT" {
			t.Errorf("refunding a used code: %v", err)
		}
		// An unused code expires, then is refunded once.
		r2, err := s.Loyalty.Redeem(as(ana), rw.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.clock.Advance(91 * 24 * time.Hour)
		if _, err := s.Loyalty.UseCode(staff(), r2.Code.Code, "store-order-2"); codeOf(err) != "CONFLICT" {
			t.Errorf("using an expired code: %v", err)
		}
		if _, err := s.Loyalty.RefundCode(staff(), r2.Code.Code); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Loyalty.RefundCode(staff(), r2.Code.Code); codeOf(err) != "CONFLICT" {
			t.Errorf("second refund: %v", err)
		}
		if b := s.mustBalance(t, ana.ID); b != (loyalty.Balance{Available: 200}) {
			t.Fatalf("balance %+v, want 200", b)
		}
		// Bad input.
		for name, err := range map[string]error{
			"malformed code":   second(s.Loyalty.UseCode(staff(), "NOPE", "x")),
			"unknown code":     second(s.Loyalty.UseCode(staff(), "0000-0000-0000-0000", "x")),
			"customer uses":    second(s.Loyalty.UseCode(as(ana), r2.Code.Code, "x")),
			"no order ref":     second(s.Loyalty.UseCode(staff(), r2.Code.Code, " ")),
			"unknown reward":   second(s.Loyalty.Redeem(as(ana), rw.ID+12345)),
			"inactive reward":  second(s.Loyalty.Redeem(as(ana), s.reward(t, 1, false).ID)),
			"staff redeems":    second(s.Loyalty.Redeem(staff(), rw.ID)),
			"no reason":        second(s.Loyalty.Adjust(staff(), loyalty.AdjustInput{CustomerID: ana.ID, Points: 5, Reason: "  "})),
			"zero points":      second(s.Loyalty.Adjust(staff(), loyalty.AdjustInput{CustomerID: ana.ID, Reason: "x"})),
			"customer adjusts": second(s.Loyalty.Adjust(as(ana), loyalty.AdjustInput{CustomerID: ana.ID, Points: 5, Reason: "x"})),
			"overdraw":         second(s.Loyalty.Adjust(staff(), loyalty.AdjustInput{CustomerID: ana.ID, Points: -201, Reason: "x"})),
			"unknown customer": second(s.Loyalty.Adjust(staff(), loyalty.AdjustInput{CustomerID: ana.ID + 99999, Points: 5, Reason: "x"})),
		} {
			want := map[string]string{"malformed code": "INVALID_INPUT", "unknown code": "NOT_FOUND", "customer uses": "FORBIDDEN", "no order ref": "INVALID_INPUT",
				"unknown reward": "NOT_FOUND", "inactive reward": "CONFLICT", "staff redeems": "FORBIDDEN", "no reason": "INVALID_INPUT",
				"zero points": "INVALID_INPUT", "customer adjusts": "FORBIDDEN", "overdraw": string(loyalty.InsufficientPoints),
				"unknown customer": "NOT_FOUND"}[name]
			if codeOf(err) != want {
				t.Errorf("%s: %v, want %s", name, err, want)
			}
		}
		if b := s.mustBalance(t, ana.ID); b != (loyalty.Balance{Available: 200}) {
			t.Fatalf("bad input changed the balance: %+v", b)
		}
	})
}

func second[T any](_ T, err error) error { return err }
