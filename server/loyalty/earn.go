package loyalty

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/hook"
	"github.com/aftercart/aftercart/ent/itemreturn"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/money"
)

// Register hooks the program into c at the two places where what earns
// points changes, so that every code path (mutations, the tracking
// webhook, imports, moderation, flags, other instances' paths to come) is
// covered without each calling loyalty:
//
//   - an order's status update (orders.Refresh is its one writer): an
//     order that becomes DELIVERED earns its pending points, one that
//     leaves DELIVERED gives back what is still pending (OrderUndelivered);
//   - a moderation decision (moderation.Record is its one writer; every
//     status change of every kind writes one in its transaction): content
//     that becomes PUBLISHED earns, content taken down is reversed.
//
// The hooks run after the row is written, inside the same transaction: a
// failure rolls back the whole change, and a rolled-back change earns
// nothing.
func (s *Service) Register(c *ent.Client) {
	c.Order.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.OrderFunc(func(ctx context.Context, m *ent.OrderMutation) (ent.Value, error) {
			// Read before the update: afterwards the old value is gone.
			leaving := false
			if st, ok := m.Status(); ok && st != types.OrderDelivered {
				old, err := m.OldStatus(ctx)
				if err != nil {
					return nil, err
				}
				leaving = old == types.OrderDelivered
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			id, _ := m.ID()
			if st, ok := m.Status(); ok && st == types.OrderDelivered {
				if err := s.OrderDelivered(systemCtx(ctx), m.Client(), id); err != nil {
					return nil, err
				}
			} else if leaving {
				if err := s.OrderUndelivered(systemCtx(ctx), m.Client(), id); err != nil {
					return nil, err
				}
			}
			return v, nil
		})
	}, ent.OpUpdateOne))
	c.ModerationDecision.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ModerationDecisionFunc(func(ctx context.Context, m *ent.ModerationDecisionMutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if d, ok := v.(*ent.ModerationDecision); ok {
				if err := s.ContentDecided(systemCtx(ctx), m.Client(), d); err != nil {
					return nil, err
				}
			}
			return v, nil
		})
	}, ent.OpCreate))
}

// orderLines reads an order's lines, their paid shares and returned units.
func orderLines(ctx context.Context, c *ent.Client, o *ent.Order) ([]*ent.OrderItem, []Line, error) {
	items, err := c.OrderItem.Query().Where(orderitem.OrderID(o.ID)).Order(orderitem.ByID()).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	amounts := make([]int64, len(items))
	ids := make([]int, len(items))
	for i, it := range items {
		amounts[i] = it.UnitPriceMinor * int64(it.Quantity)
		ids[i] = it.ID
	}
	paid := Allocate(amounts, o.DiscountMinor)
	rets, err := c.ItemReturn.Query().Where(itemreturn.OrderItemIDIn(ids...)).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	returned := map[int]int{}
	for _, r := range rets {
		returned[r.OrderItemID] += r.Quantity
	}
	lines := make([]Line, len(items))
	for i, it := range items {
		lines[i] = Line{Paid: paid[i], Quantity: it.Quantity, Returned: returned[it.ID]}
	}
	return items, lines, nil
}

// orderEarnKey is the idempotency key of an order's earned points: of
// its first delivery ("order:42:earn"), and of the n-th when it left
// DELIVERED and came back ("order:42:earn:2").
func orderEarnKey(orderID int) string { return fmt.Sprintf("order:%d:earn", orderID) }

func nthEarnKey(orderID, n int) string {
	if n <= 1 {
		return orderEarnKey(orderID)
	}
	return fmt.Sprintf("%s:%d", orderEarnKey(orderID), n)
}

// undeliverKey is the idempotency key of the reversal that voids an earn
// entry when its order leaves DELIVERED.
func undeliverKey(earnID int) string { return fmt.Sprintf("undeliver:%d", earnID) }

// returnKey is the idempotency key of a return's reversal of an earn
// entry: "return:7" against the order's first earning (as ever), and with
// the entry's id against a later one, so a return recorded before a
// re-delivery takes its share of the new earning too.
func returnKey(returnID int, earned *ent.LoyaltyEntry) string {
	if earned.IdempotencyKey == orderEarnKey(*earned.OrderID) {
		return fmt.Sprintf("return:%d", returnID)
	}
	return fmt.Sprintf("return:%d:earn:%d", returnID, earned.ID)
}

// earning is an order's earn entries: the latest (nil before the first
// delivery), how many there are, and whether the latest was voided by
// the order leaving DELIVERED.
type earning struct {
	latest *ent.LoyaltyEntry
	count  int
	voided bool
}

// active is the earn entry returns take from; nil when there is none.
func (e earning) active() *ent.LoyaltyEntry {
	if e.voided {
		return nil
	}
	return e.latest
}

func earningOf(ctx context.Context, c *ent.Client, orderID int) (earning, error) {
	q := c.LoyaltyEntry.Query().Where(loyaltyentry.OrderID(orderID), loyaltyentry.KindEQ(types.EntryOrder))
	es, err := q.Order(ent.Desc(loyaltyentry.FieldID)).All(ctx)
	if err != nil || len(es) == 0 {
		return earning{}, err
	}
	voided, err := posted(ctx, c, undeliverKey(es[0].ID))
	return earning{latest: es[0], count: len(es), voided: voided}, err
}

// OrderDelivered credits a delivered order's points, PENDING until its
// return window ends (AVAILABLE at once when it already has), at the
// customer's current tier multiplier; reverses the share of returns
// recorded before delivery; and re-tiers the customer. c is the
// transaction's client. Replays credit once (the order's key).
func (s *Service) OrderDelivered(ctx context.Context, c *ent.Client, orderID int) error {
	o, err := c.Order.Get(ctx, orderID)
	if err != nil {
		return err
	}
	if o.Status != types.OrderDelivered {
		return nil
	}
	acct, err := s.lockAccount(ctx, c, o.CustomerID)
	if err != nil {
		return err
	}
	earned, err := earningOf(ctx, c, o.ID)
	if err != nil || earned.active() != nil {
		return err // earned already (a replay)
	}
	key := nthEarnKey(o.ID, earned.count+1)
	_, lines, err := orderLines(ctx, c, o)
	if err != nil {
		return err
	}
	full := make([]Line, len(lines))
	for i, l := range lines {
		full[i] = Line{Paid: l.Paid, Quantity: l.Quantity}
	}
	mult := 100
	if acct.TierID != nil {
		t, err := c.LoyaltyTier.Get(ctx, *acct.TierID)
		if err != nil {
			return err
		}
		mult = t.MultiplierPercent
	}
	points := EarnedPoints(KeptPaid(full), money.Scale(o.Currency), mult)
	now := s.now()
	status, at := types.EntryAvailable, (*time.Time)(nil)
	if o.ReturnWindowEndsAt != nil && o.ReturnWindowEndsAt.After(now) {
		status, at = types.EntryPending, o.ReturnWindowEndsAt
	}
	if _, err := s.post(ctx, c, o.CustomerID, entry{kind: types.EntryOrder, points: points, status: status, key: key,
		set: func(cr *ent.LoyaltyEntryCreate) {
			cr.SetOrderID(o.ID).SetNillableAvailableAt(at).SetReason(fmt.Sprintf("order %s delivered", o.Number))
		}}); err != nil {
		return err
	}
	// Returns recorded before delivery take their share now.
	rets, err := c.ItemReturn.Query().Where(itemreturn.HasOrderItemWith(orderitem.OrderID(o.ID))).Order(itemreturn.ByID()).All(ctx)
	if err != nil {
		return err
	}
	for _, r := range rets {
		if err := s.reverseReturn(ctx, c, o, r); err != nil {
			return err
		}
	}
	return s.retier(ctx, c, o.CustomerID, s.now())
}

// reverseReturn takes back a return's share of its order's earned points
// (the active earn entry), once per earning (returnKey). A share of pending points is a PENDING reversal
// released with them; a share of available points is REVERSED at once,
// limited to what is available (the reason says what could not be
// recovered). Nothing happens before the order has earned.
func (s *Service) reverseReturn(ctx context.Context, c *ent.Client, o *ent.Order, r *ent.ItemReturn) error {
	e, err := earningOf(ctx, c, o.ID)
	if err != nil {
		return err
	}
	earned := e.active()
	if earned == nil {
		return nil // not delivered (any more): OrderDelivered applies it
	}
	key := returnKey(r.ID, earned)
	acct, err := s.lockAccount(ctx, c, o.CustomerID)
	if err != nil {
		return err
	}
	if ok, err := posted(ctx, c, key); err != nil || ok {
		return err
	}
	_, lines, err := orderLines(ctx, c, o)
	if err != nil {
		return err
	}
	// lines include every return so far; "before" is without this one and
	// the ones recorded after it, "after" adds it.
	later, err := c.ItemReturn.Query().Where(itemreturn.IDGTE(r.ID), itemreturn.HasOrderItemWith(orderitem.OrderID(o.ID))).All(ctx)
	if err != nil {
		return err
	}
	items, _, err := orderLines(ctx, c, o)
	if err != nil {
		return err
	}
	index := map[int]int{}
	for i, it := range items {
		index[it.ID] = i
	}
	before := append([]Line(nil), lines...)
	for _, l := range later {
		before[index[l.OrderItemID]].Returned -= l.Quantity
	}
	after := append([]Line(nil), before...)
	after[index[r.OrderItemID]].Returned += r.Quantity
	full := append([]Line(nil), lines...)
	for i := range full {
		full[i].Returned = 0
	}
	share := ReturnShare(earned.Points, KeptPaid(full), KeptPaid(before), KeptPaid(after))
	if share <= 0 {
		return nil
	}
	reason := fmt.Sprintf("%d returned from order %s", r.Quantity, o.Number)
	status, at := types.EntryReversedStatus, (*time.Time)(nil)
	if earned.Status == types.EntryPending {
		status, at = types.EntryPending, earned.AvailableAt
	} else if share > acct.Available {
		reason = fmt.Sprintf("%s (%d points already spent could not be taken back)", reason, share-acct.Available)
		share = acct.Available
	}
	_, err = s.post(ctx, c, o.CustomerID, entry{kind: types.EntryReversed, points: -share, status: status, key: key,
		set: func(cr *ent.LoyaltyEntryCreate) {
			cr.SetOrderID(o.ID).SetReversesID(earned.ID).SetItemReturnID(r.ID).SetNillableAvailableAt(at).SetReason(reason).SetNillableActor(r.Actor)
		}})
	return err
}

// OrderUndelivered applies an order leaving DELIVERED (a re-import added
// lines, or canceled it) to its points. The rule: points still PENDING are
// not earned yet, so the order gives them back: one PENDING reversal of
// the earn entry's net pending points (what its returns left), with the
// entry's available_at, so the pending balance drops at once and both are
// released together as a net zero. The earning is void; when the order is
// DELIVERED again it earns anew (the next key, a new return window, the
// lines and tier of then), and returns take their share of that. Points
// already AVAILABLE stand: the return window closed on a delivery, and
// what changes an order that late is for staff (adjustPoints). Then the
// customer is re-tiered. Replays change nothing (the reversal's key).
func (s *Service) OrderUndelivered(ctx context.Context, c *ent.Client, orderID int) error {
	o, err := c.Order.Get(ctx, orderID)
	if err != nil {
		return err
	}
	if o.Status == types.OrderDelivered {
		return nil
	}
	if _, err := s.lockAccount(ctx, c, o.CustomerID); err != nil {
		return err
	}
	e, err := earningOf(ctx, c, o.ID)
	if err != nil {
		return err
	}
	earned := e.active()
	if earned == nil || earned.Status != types.EntryPending {
		return nil
	}
	revs, err := c.LoyaltyEntry.Query().Where(loyaltyentry.ReversesID(earned.ID)).All(ctx)
	if err != nil {
		return err
	}
	net := earned.Points
	for _, r := range revs {
		net += r.Points
	}
	if net > 0 {
		if _, err := s.post(ctx, c, o.CustomerID, entry{kind: types.EntryReversed, points: -net, status: types.EntryPending, key: undeliverKey(earned.ID),
			set: func(cr *ent.LoyaltyEntryCreate) {
				cr.SetOrderID(o.ID).SetReversesID(earned.ID).SetNillableAvailableAt(earned.AvailableAt).
					SetReason(fmt.Sprintf("order %s is no longer delivered (%s)", o.Number, strings.ToLower(string(o.Status))))
			}}); err != nil {
			return err
		}
	}
	return s.retier(ctx, c, o.CustomerID, s.now())
}

// ContentDecided applies a moderation decision to the author's points: a
// verified review or a post that becomes PUBLISHED earns (again, after a
// reversal), one taken down (REJECTED, HIDDEN) gives back what it earned
// net. A content edit held for approval (PENDING) keeps its points.
func (s *Service) ContentDecided(ctx context.Context, c *ent.Client, d *ent.ModerationDecision) error {
	var customerID int
	var earn int64
	var where func(*ent.LoyaltyEntryCreate)
	var has = loyaltyentry.ReviewID(d.ItemID)
	kind := types.EntryReview
	switch d.ItemType {
	case "Review":
		r, err := c.Review.Get(ctx, d.ItemID)
		if err != nil {
			return err
		}
		customerID, earn = r.CustomerID, s.cfg.ReviewPoints
		if !r.VerifiedBuyer {
			earn = 0
		}
		where = func(cr *ent.LoyaltyEntryCreate) { cr.SetReviewID(r.ID) }
	case "Post":
		p, err := c.Post.Get(ctx, d.ItemID)
		if err != nil {
			return err
		}
		customerID, earn, kind = p.CustomerID, s.cfg.PostPoints, types.EntryPost
		has = loyaltyentry.PostID(d.ItemID)
		where = func(cr *ent.LoyaltyEntryCreate) { cr.SetPostID(p.ID) }
	default:
		return nil
	}
	if d.ToStatus == nil { // a decision about an author (SILENCE), never about content
		return nil
	}
	to := *d.ToStatus
	up := to == types.ModerationPublished
	down := to == types.ModerationRejected || to == types.ModerationHidden
	if !up && !down {
		return nil
	}
	acct, err := s.lockAccount(ctx, c, customerID)
	if err != nil {
		return err
	}
	es, err := c.LoyaltyEntry.Query().Where(has).All(ctx)
	if err != nil {
		return err
	}
	var net int64
	for _, e := range es {
		net += e.Points
	}
	name := map[types.EntryKind]string{types.EntryReview: "review", types.EntryPost: "post"}[kind]
	switch {
	case up && net == 0 && earn > 0:
		_, err = s.post(ctx, c, customerID, entry{kind: kind, points: earn, status: types.EntryAvailable,
			key: fmt.Sprintf("%s:%d:earn:%d", name, d.ItemID, len(es)),
			set: func(cr *ent.LoyaltyEntryCreate) { where(cr); cr.SetReason(name + " published") }})
	case down && net > 0:
		take, reason := min(net, acct.Available), fmt.Sprintf("%s %s by moderation", name, lower(to))
		if take < net {
			reason = fmt.Sprintf("%s (%d points already spent could not be taken back)", reason, net-take)
		}
		_, err = s.post(ctx, c, customerID, entry{kind: types.EntryReversed, points: -take, status: types.EntryReversedStatus,
			key: fmt.Sprintf("%s:%d:reverse:%d", name, d.ItemID, len(es)),
			set: func(cr *ent.LoyaltyEntryCreate) { where(cr); cr.SetReason(reason).SetActor(d.Actor) }})
	}
	return err
}

func lower(s types.ModerationStatus) string {
	return map[types.ModerationStatus]string{types.ModerationRejected: "rejected", types.ModerationHidden: "hidden"}[s]
}
