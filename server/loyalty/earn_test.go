package loyalty_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/moderationdecision"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/loyalty"
)

// TestOrderPointsPendingUntilReturnWindowEnds: a delivered order's points
// are PENDING exactly until its own return window ends; the sweep releases
// them then and not a second before; replaying the delivery credits once.
func TestOrderPointsPendingUntilReturnWindowEnds(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		deliveredAt := s.clock.Now().Add(-time.Hour)
		s.deliveredOrder(t, "mina@example.com", "LY1", deliveredAt)
		mina := s.customerOf(t, "mina@example.com")
		if b := s.mustBalance(t, mina.ID); b != (loyalty.Balance{Pending: 32}) {
			t.Fatalf("after delivery: %+v, want 32 pending", b)
		}
		o := s.DB.Order.Query().Where(order.Number("LY1")).OnlyX(system())
		ends := *o.ReturnWindowEndsAt
		if !ends.Equal(deliveredAt.AddDate(0, 0, 30)) {
			t.Fatalf("window ends %v", ends)
		}
		e := s.DB.LoyaltyEntry.Query().Where(loyaltyentry.OrderID(o.ID)).OnlyX(system())
		if e.Status != types.EntryPending || e.AvailableAt == nil || !e.AvailableAt.Equal(ends) {
			t.Fatalf("entry %+v: want PENDING until %v", e, ends)
		}

		// The same delivery replayed through the API, and the trigger itself
		// 1,000 times concurrently: still one entry.
		for range 3 {
			s.MustTrack(t, "DHL", "TLY1", testserver.Event("LY1-d", "DELIVERED", deliveredAt))
		}
		var wg sync.WaitGroup
		for range 1000 {
			wg.Go(func() {
				if err := s.DB.WithTx(system(), func(ctx context.Context, tx *ent.Tx) error {
					return s.Loyalty.OrderDelivered(ctx, tx.Client(), o.ID)
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := s.DB.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(mina.ID)).CountX(system()); n != 1 {
			t.Fatalf("%d entries after replays, want 1", n)
		}

		res, err := s.Loyalty.Sweep(t.Context(), ends.Add(-time.Second))
		if err != nil || res.Released != 0 {
			t.Fatalf("sweep a second early: %+v %v", res, err)
		}
		if b := s.mustBalance(t, mina.ID); b != (loyalty.Balance{Pending: 32}) {
			t.Fatalf("a second early: %+v", b)
		}
		if res, err = s.Loyalty.Sweep(t.Context(), ends); err != nil || res.Released != 1 {
			t.Fatalf("sweep at the end: %+v %v", res, err)
		}
		if b := s.mustBalance(t, mina.ID); b != (loyalty.Balance{Available: 32}) {
			t.Fatalf("after the window: %+v, want 32 available", b)
		}
		if res, err = s.Loyalty.Sweep(t.Context(), ends.Add(time.Hour)); err != nil || res.Released != 0 {
			t.Fatalf("second sweep: %+v %v", res, err)
		}
	})
}

// TestReturnReversesShare: a return before the window ends reverses its
// share of the pending points (released with them, net), one after it
// takes back available points; both sum exactly to what was earned.
func TestReturnReversesShare(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.deliveredOrder(t, "ana@example.com", "LY2", s.clock.Now().Add(-time.Hour))
		ana := s.customerOf(t, "ana@example.com")
		line := func(i int) int { id, _ := strconv.Atoi(o.Items[i].ID); return id }

		// One of the two 11.01 units back while pending: 32.02 → 21.01 kept,
		// so the entry keeps floor(32 × 2101 / 3202) = 20 of its 32 points
		// (ReturnShare: a share of what was earned, not a recomputation).
		if _, err := s.Loyalty.MarkReturned(staff(), loyalty.ReturnInput{OrderItemID: line(1), Quantity: 1}); err != nil {
			t.Fatal(err)
		}
		if b := s.mustBalance(t, ana.ID); b != (loyalty.Balance{Pending: 20}) {
			t.Fatalf("after a pending return: %+v, want 20 pending", b)
		}
		ends := *s.DB.Order.Query().Where(order.Number("LY2")).OnlyX(system()).ReturnWindowEndsAt
		if _, err := s.Loyalty.Sweep(t.Context(), ends); err != nil {
			t.Fatal(err)
		}
		if b := s.mustBalance(t, ana.ID); b != (loyalty.Balance{Available: 20}) {
			t.Fatalf("released: %+v, want 20 available", b)
		}
		// The rest back after the window: everything earned is reversed.
		for _, in := range []loyalty.ReturnInput{{OrderItemID: line(1), Quantity: 1}, {OrderItemID: line(0), Quantity: 1}} {
			if _, err := s.Loyalty.MarkReturned(staff(), in); err != nil {
				t.Fatal(err)
			}
		}
		if b := s.mustBalance(t, ana.ID); b != (loyalty.Balance{}) {
			t.Fatalf("all returned: %+v, want nothing", b)
		}
		// Bad input: nothing left to return, zero units, customers, unknown lines.
		if _, err := s.Loyalty.MarkReturned(staff(), loyalty.ReturnInput{OrderItemID: line(0), Quantity: 1}); codeOf(err) != "INVALID_INPUT" {
			t.Errorf("over-return: %v", err)
		}
		if _, err := s.Loyalty.MarkReturned(staff(), loyalty.ReturnInput{OrderItemID: line(0), Quantity: 0}); codeOf(err) != "INVALID_INPUT" {
			t.Errorf("zero units: %v", err)
		}
		if _, err := s.Loyalty.MarkReturned(as(ana), loyalty.ReturnInput{OrderItemID: line(0), Quantity: 1}); codeOf(err) != "FORBIDDEN" {
			t.Errorf("customer: %v", err)
		}
		if _, err := s.Loyalty.MarkReturned(staff(), loyalty.ReturnInput{OrderItemID: line(0) + 999999, Quantity: 1}); codeOf(err) != "NOT_FOUND" {
			t.Errorf("unknown line: %v", err)
		}
	})
}

// TestReviewPoints: a published verified review earns, taking it down
// reverses, restoring earns again; an unverified review earns nothing.
func TestReviewPoints(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		shop := s.Shop(t)
		mina, leo := s.customerOf(t, "mina@example.com"), s.customerOf(t, "leo@example.com")
		before := s.mustBalance(t, mina.ID)
		var out struct {
			WriteReview struct{ Review struct{ ID, Status string } }
		}
		write := `mutation($input: WriteReviewInput!) { writeReview(input: $input) { review { id status } } }`
		s.GQL(t, shop.Mina, write, map[string]any{"input": map[string]any{"productId": shop.Products[0], "rating": 5, "body": "Great."}}).MustOK(t, &out)
		if out.WriteReview.Review.Status != "PUBLISHED" {
			t.Fatalf("review %s", out.WriteReview.Review.Status)
		}
		id := out.WriteReview.Review.ID
		want := before.Available + loyalty.DefaultReviewPoints
		if b := s.mustBalance(t, mina.ID); b.Available != want {
			t.Fatalf("after publishing: %+v, want %d available", b, want)
		}
		// The decision that published it, replayed 1,000 times
		// concurrently: still credited once.
		published := s.DB.ModerationDecision.Query().
			Where(moderationdecision.ItemType("Review"), moderationdecision.ToStatusEQ(types.ModerationPublished)).
			Order(ent.Desc(moderationdecision.FieldID)).FirstX(system())
		var wg sync.WaitGroup
		for range 1000 {
			wg.Go(func() {
				if err := s.DB.WithTx(system(), func(ctx context.Context, tx *ent.Tx) error {
					return s.Loyalty.ContentDecided(ctx, tx.Client(), published)
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if b := s.mustBalance(t, mina.ID); b.Available != want {
			t.Fatalf("after 1,000 replays of the publication: %+v, want %d available", b, want)
		}
		moderate := func(action string) {
			s.GQL(t, shop.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": id, "action": action, "reason": "test"}}).MustOK(t, nil)
		}
		moderate("HIDE")
		if b := s.mustBalance(t, mina.ID); b.Available != before.Available {
			t.Fatalf("after hiding: %+v, want %d", b, before.Available)
		}
		moderate("RESTORE")
		if b := s.mustBalance(t, mina.ID); b.Available != want {
			t.Fatalf("after restoring: %+v, want %d", b, want)
		}
		// Leo has not received the product: his review waits, and approving
		// it earns nothing (not verified).
		s.GQL(t, shop.Leo, write, map[string]any{"input": map[string]any{"productId": shop.Products[1], "rating": 4, "body": "Fine."}}).MustOK(t, &out)
		s.GQL(t, shop.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": out.WriteReview.Review.ID, "action": "APPROVE"}}).MustOK(t, nil)
		if b := s.mustBalance(t, leo.ID); b.Available != 0 {
			t.Fatalf("unverified review earned: %+v", b)
		}
	})
}

// TestJobSweepReleasesPoints: the server's job system runs the program's
// sweep on its clock: once the fake clock passes an order's return window,
// a sweep releases its points.
func TestJobSweepReleasesPoints(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		s.deliveredOrder(t, "mina@example.com", "LY9", s.clock.Now())
		mina := s.customerOf(t, "mina@example.com")
		if err := s.Jobs.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if b := s.mustBalance(t, mina.ID); b != (loyalty.Balance{Pending: 32}) {
			t.Fatalf("swept before the window ends: %+v, want 32 pending", b)
		}
		s.clock.Advance(30 * 24 * time.Hour)
		if err := s.Jobs.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if b := s.mustBalance(t, mina.ID); b != (loyalty.Balance{Available: 32}) {
			t.Fatalf("swept after the window: %+v, want 32 available", b)
		}
	})
}
