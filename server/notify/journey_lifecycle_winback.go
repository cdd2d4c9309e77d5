package notify

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/ent/reward"
	"github.com/aftercart/aftercart/server/auth"
)

// WIN_BACK (issue 13): customers with no order for the journey's
// delayDays get one message per quiet spell. The "notify.winback" sweeper
// (server/jobs, on the app's clock) finds each customer's latest order
// placed delayDays ago (up to a month more: winBackLookback) that has no
// WIN_BACK message yet, and
// queues one, in bounded batches (one transaction each). The message
// names that order (order_id, and the key "customer:7:win_back:order:42:
// EMAIL"), so a replayed sweep queues nothing, and a customer who orders
// again and then goes quiet again is won back again, for the new order.
//
// Marketing: consent, the weekly cap, quiet hours and the journey gap
// apply. When it is dispatched it is skipped if the customer ordered
// meanwhile (the sweep ran before an import, or the message waited for
// quiet hours). It mentions the customer's available loyalty points and
// the best active reward they buy, when there are any: the reason to
// come back that the store already pays for.

// JourneyWinBack is the win-back journey.
const JourneyWinBack = "win_back"

// DefaultWinBackDays: three months without an order is quiet for most
// stores' repeat customers; staff set their own (delayDays).
const DefaultWinBackDays = 90

// winBackLookback is how far before the cutoff a latest order may lie
// and still be won back: a sweep reads the orders of one month, not the
// store's history, and a store that turns the journey on (or shortens its
// delay) does not tell customers gone for years that it misses them. A
// sweep that did not run for longer misses the customers who went quiet
// meanwhile.
const winBackLookback = 30 * 24 * time.Hour

// winBackBatch bounds the customers one transaction of the win-back
// sweep queues (as campaignBatch does for campaigns).
var winBackBatch = 200

// WinBack is what WIN_BACK templates can use.
type WinBack struct {
	// Marketing is the unsubscribe link.
	Marketing
	// StoreName is the store's name (-store-name).
	StoreName string
	// FirstName is the customer's first name, or "there".
	FirstName string
	// LastOrderNumber, LastOrderedOn ("6 March 2026") and LastOrderURL
	// (Config.OrderURL: ordering again is one click from there) are the
	// customer's latest order.
	LastOrderNumber, LastOrderedOn, LastOrderURL string
	// Points are the customer's available loyalty points (0: the template
	// leaves the line out).
	Points int64
	// Reward is the most costly active reward those points buy ("€5
	// off"), "" when none.
	Reward string
}

// winBackSample is WIN_BACK's sample (every branch runs).
var winBackSample = WinBack{Marketing: marketingSample, StoreName: "Sample Store", FirstName: "Mina",
	LastOrderNumber: "AC-1001", LastOrderedOn: "6 March 2026", LastOrderURL: "https://shop.example.com/orders/AC-1001",
	Points: 620, Reward: "€5 off"}

func init() {
	registerJourney(journeySpec{name: JourneyWinBack,
		description: "Win-back: one message to a customer with no order for delayDays, once per quiet spell (a new " +
			"order and a new quiet spell win back again); skipped when due if they ordered meanwhile. Marketing: it " +
			"needs consent and counts toward the weekly cap.",
		kinds:    []message.Kind{message.KindWIN_BACK},
		defaults: JourneySettings{Enabled: true, DelayDays: intp(DefaultWinBackDays)}})
	registerKind(message.KindWIN_BACK, kindSpec{sample: winBackSample,
		vars: func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
			return s.winBack(ctx, c, m)
		},
		check: func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
			if m.OrderID == nil || m.CustomerID == nil {
				return "", fmt.Errorf("notify: win-back message %d without an order or customer", m.ID)
			}
			ctx = auth.WithSystem(ctx)
			o, err := tx.Order.Get(ctx, *m.OrderID)
			if err != nil {
				return "", err
			}
			again, err := tx.Order.Query().Where(order.CustomerID(o.CustomerID), order.IDNEQ(o.ID),
				order.PlacedAtGTE(o.PlacedAt)).Exist(ctx)
			if err != nil || !again {
				return "", err
			}
			return "the customer ordered again", nil
		}})
}

// winBackKey is the dedupe key of the win-back after order orderID.
func winBackKey(customerID, orderID int) string {
	return fmt.Sprintf("customer:%d:win_back:order:%d:EMAIL", customerID, orderID)
}

// sweepWinBack queues the win-back of every customer whose latest order
// was placed the journey's delayDays (and at most winBackLookback more)
// before now and has none yet
// (a jobs.Sweeper), winBackBatch customers per transaction. Two servers
// sweeping at once may both pick a customer: the key queues one message.
func (s *Service) sweepWinBack(ctx context.Context, now time.Time) error {
	ctx = auth.WithSystem(ctx)
	set, err := s.journeySettings(ctx, s.db.Client, JourneyWinBack)
	if err != nil {
		return err
	}
	cutoff := now.AddDate(0, 0, -*set.DelayDays)
	cursor := 0
	for {
		n := 0
		err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			os, err := tx.Order.Query().Where(order.PlacedAtLTE(cutoff), order.PlacedAtGT(cutoff.Add(-winBackLookback)), order.IDGT(cursor), latestOrder(), notWonBack()).
				Order(ent.Asc(order.FieldID)).Limit(winBackBatch).WithCustomer().All(ctx)
			if err != nil {
				return err
			}
			for _, o := range os {
				cu := o.Edges.Customer
				msg := Msg{Kind: message.KindWIN_BACK, Channel: message.ChannelEMAIL, DedupeKey: winBackKey(cu.ID, o.ID),
					Recipient: cu.Email, CustomerID: &cu.ID, OrderID: &o.ID, Journey: JourneyWinBack, Marketing: true}
				if err := s.queueJourney(ctx, tx, set, msg); err != nil {
					return err
				}
				cursor = o.ID
			}
			n = len(os)
			return nil
		})
		if err != nil {
			return fmt.Errorf("notify: win-back sweep: %w", err)
		}
		if n < winBackBatch {
			return nil
		}
	}
}

// latestOrder keeps each customer's latest order: none of theirs was
// placed later (or at the same moment with a higher id).
func latestOrder() predicate.Order {
	return func(s *entsql.Selector) {
		t := entsql.Table(order.Table).As("later")
		s.Where(entsql.Not(entsql.Exists(entsql.Select(t.C(order.FieldID)).From(t).Where(entsql.And(
			entsql.ColumnsEQ(t.C(order.FieldCustomerID), s.C(order.FieldCustomerID)),
			entsql.Or(entsql.ColumnsGT(t.C(order.FieldPlacedAt), s.C(order.FieldPlacedAt)),
				entsql.And(entsql.ColumnsEQ(t.C(order.FieldPlacedAt), s.C(order.FieldPlacedAt)),
					entsql.ColumnsGT(t.C(order.FieldID), s.C(order.FieldID)))))))))
	}
}

// notWonBack keeps orders no WIN_BACK message names yet (messages'
// order_id is indexed). Message has no inverse edge on Order, hence SQL.
func notWonBack() predicate.Order {
	return func(s *entsql.Selector) {
		t := entsql.Table(message.Table)
		s.Where(entsql.Not(entsql.Exists(entsql.Select(t.C(message.FieldID)).From(t).Where(entsql.And(
			entsql.ColumnsEQ(t.C(message.FieldOrderID), s.C(order.FieldID)),
			entsql.EQ(t.C(message.FieldKind), message.KindWIN_BACK))))))
	}
}

// winBack reads the variables of win-back message m: its customer, the
// order it names, their points and the best reward those buy.
func (s *Service) winBack(ctx context.Context, c *ent.Client, m *ent.Message) (*WinBack, error) {
	if m.OrderID == nil {
		return nil, fmt.Errorf("notify: win-back message %d without an order", m.ID)
	}
	ctx = auth.WithSystem(ctx)
	o, err := c.Order.Query().Where(order.ID(*m.OrderID)).WithCustomer().Only(ctx)
	if err != nil {
		return nil, err
	}
	cu := o.Edges.Customer
	v := &WinBack{StoreName: s.cfg.StoreName, FirstName: strings.TrimSpace(cu.FirstName), LastOrderNumber: o.Number,
		LastOrderedOn: s.dateFor(cu, o.PlacedAt), LastOrderURL: strings.ReplaceAll(*s.orderURL.Load(), "{number}", url.PathEscape(o.Number))}
	if v.FirstName == "" {
		v.FirstName = "there"
	}
	acct, err := c.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(cu.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	v.Points = acct.Available
	if v.Points <= 0 {
		return v, nil
	}
	r, err := c.Reward.Query().Where(reward.Active(true), reward.PointsCostLTE(v.Points)).
		Order(ent.Desc(reward.FieldPointsCost)).First(ctx)
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return nil, err
	default:
		v.Reward = r.Name
	}
	return v, nil
}
