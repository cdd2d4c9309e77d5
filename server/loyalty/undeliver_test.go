package loyalty_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/loyalty"
)

// TestOrderLeavingDelivered: an order that leaves DELIVERED (here a
// re-import adds a line still to ship) gives back the points still
// pending, at once, net of its returns; a replay gives back nothing more;
// delivered again it earns anew with a new key and a new return window,
// and the return recorded before takes its share of the new earning; the
// old pair is released as a net zero. Once points are available, an order
// leaving DELIVERED (canceled) keeps them.
func TestOrderLeavingDelivered(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		start := s.clock.Now()
		s.deliveredOrder(t, "mina@example.com", "UD1", start.Add(-72*time.Hour)) // the tracking API refuses future checkpoints: the past it is
		mina := s.customerOf(t, "mina@example.com")
		o := s.DB.Order.Query().Where(order.Number("UD1")).OnlyX(system())
		double := s.DB.OrderItem.Query().Where(orderitem.OrderID(o.ID), orderitem.Quantity(2)).OnlyX(system())
		ret, err := s.Loyalty.MarkReturned(staff(), loyalty.ReturnInput{OrderItemID: double.ID, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		afterReturn := s.mustBalance(t, mina.ID)
		if afterReturn.Pending <= 0 || afterReturn.Pending >= 32 {
			t.Fatalf("after the return: %+v", afterReturn)
		}

		// A third line arrives by re-import: the order is no longer delivered.
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "UD1", Items: 3})
		if st := s.DB.Order.GetX(system(), o.ID).Status; st == types.OrderDelivered {
			t.Fatalf("status %s after adding a line", st)
		}
		if b := s.mustBalance(t, mina.ID); b != (loyalty.Balance{}) {
			t.Fatalf("after leaving DELIVERED: %+v, want nothing pending", b)
		}
		entries := func() int { return s.DB.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(mina.ID)).CountX(system()) }
		n := entries()
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "UD1", Items: 3})
		if entries() != n {
			t.Fatalf("a replayed re-import wrote %d entries", entries()-n)
		}
		undo := s.DB.LoyaltyEntry.Query().Where(loyaltyentry.OrderID(o.ID), loyaltyentry.KindEQ(types.EntryReversed), loyaltyentry.ItemReturnIDIsNil()).OnlyX(system())
		if undo.Status != types.EntryPending || undo.Points != -afterReturn.Pending || undo.Reason == nil || !strings.Contains(*undo.Reason, "no longer delivered") {
			t.Fatalf("the reversal: %+v", undo)
		}

		// Delivered again three days later: a new earning for all three
		// lines (68.08 EUR: 68 points at Bronze), less the earlier return's
		// share.
		second := start
		s.MustShip(t, s.orderGID(t, "UD1"), "DHL", "TUD1b")
		s.MustTrack(t, "DHL", "TUD1b", testserver.Event("UD1-d2", "DELIVERED", second))
		earns := s.DB.LoyaltyEntry.Query().Where(loyaltyentry.OrderID(o.ID), loyaltyentry.KindEQ(types.EntryOrder)).Order(loyaltyentry.ByID()).AllX(system())
		if len(earns) != 2 || earns[1].Points != 68 || earns[1].IdempotencyKey != "order:"+strconv.Itoa(o.ID)+":earn:2" ||
			earns[1].AvailableAt == nil || !earns[1].AvailableAt.Equal(second.AddDate(0, 0, 30)) {
			t.Fatalf("earn entries %+v", earns)
		}
		share, err := s.DB.LoyaltyEntry.Query().Where(loyaltyentry.ItemReturnID(ret.ID), loyaltyentry.ReversesID(earns[1].ID)).Only(system())
		if err != nil || share.Points >= 0 || share.Status != types.EntryPending {
			t.Fatalf("the return's share of the new earning: %+v %v", share, err)
		}
		want := loyalty.Balance{Pending: 68 + share.Points}
		if b := s.mustBalance(t, mina.ID); b != want {
			t.Fatalf("delivered again: %+v, want %+v", b, want)
		}
		// The same delivery replayed: nothing new.
		n = entries()
		s.MustTrack(t, "DHL", "TUD1b", testserver.Event("UD1-d2", "DELIVERED", second))
		if entries() != n {
			t.Fatal("a replayed delivery earned again")
		}

		// The first window ends: the voided earning and its reversals are
		// released as a net zero; the second is still pending.
		s.clock.Advance(28 * 24 * time.Hour)
		if err := s.Jobs.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if b := s.mustBalance(t, mina.ID); b != want {
			t.Fatalf("after the first window: %+v, want %+v", b, want)
		}
		s.clock.Advance(3 * 24 * time.Hour)
		if err := s.Jobs.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		avail := loyalty.Balance{Available: want.Pending}
		if b := s.mustBalance(t, mina.ID); b != avail {
			t.Fatalf("after the second window: %+v, want %+v", b, avail)
		}

		// Canceled once its points are available: they stand.
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "mina@example.com", Number: "UD1", Items: 3})
		vars["input"].(map[string]any)["canceledAt"] = s.clock.Now().Format(time.RFC3339)
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
		if st := s.DB.Order.GetX(system(), o.ID).Status; st != types.OrderCanceled {
			t.Fatalf("status %s", st)
		}
		if b := s.mustBalance(t, mina.ID); b != avail {
			t.Fatalf("canceled after the window: %+v, want %+v", b, avail)
		}
	})
}

// orderGID is the order's GraphQL id.
func (s *testServer) orderGID(t testing.TB, number string) string {
	t.Helper()
	var out struct{ Order struct{ ID string } }
	s.GQL(t, s.Integration(t), `query($n: String!) { order(number: $n) { id } }`, map[string]any{"n": number}).MustOK(t, &out)
	return out.Order.ID
}
