package hooks

import (
	"context"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/hook"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
)

// The data of each event: ids are the GraphQL ids of the same objects.

// OrderData is an order in ORDER_CREATED and ORDER_STATUS_CHANGED.
type OrderData struct {
	ID         int               `json:"id"`
	Number     string            `json:"number"`
	ExternalID string            `json:"externalId"`
	CustomerID int               `json:"customerId"`
	Status     types.OrderStatus `json:"status"`
	// PreviousStatus is set in ORDER_STATUS_CHANGED.
	PreviousStatus types.OrderStatus `json:"previousStatus,omitempty"`
}

// ShipmentData is a shipment in SHIPMENT_EXCEPTION and SHIPMENT_DELIVERED.
type ShipmentData struct {
	ID             int                  `json:"id"`
	OrderID        int                  `json:"orderId"`
	Carrier        string               `json:"carrier"`
	TrackingNumber string               `json:"trackingNumber"`
	Status         types.TrackingStatus `json:"status"`
	SubStatus      *string              `json:"subStatus"`
	PreviousStatus types.TrackingStatus `json:"previousStatus"`
}

// ReviewData is a review in REVIEW_PUBLISHED.
type ReviewData struct {
	ID            int     `json:"id"`
	ProductID     int     `json:"productId"`
	CustomerID    int     `json:"customerId"`
	Rating        int     `json:"rating"`
	Title         *string `json:"title"`
	VerifiedBuyer bool    `json:"verifiedBuyer"`
}

// ReferralData is a referral in REFERRAL_COMPLETED.
type ReferralData struct {
	ID           int        `json:"id"`
	ReferrerID   int        `json:"referrerId"`
	FriendID     int        `json:"friendId"`
	FirstOrderID *int       `json:"firstOrderId"`
	CompletedAt  *time.Time `json:"completedAt"`
}

// Register hooks the events into c where the server writes what they
// name, so every path is covered and each delivery is written in its
// cause's transaction:
//
//   - ORDER_CREATED: an Order's creation (orders.Import);
//   - ORDER_STATUS_CHANGED: an Order's UpdateOne that changes status
//     (orders' applyStatus, after shipments and tracking events);
//   - SHIPMENT_EXCEPTION, SHIPMENT_DELIVERED: a Shipment's UpdateOne that
//     moves its status to EXCEPTION or DELIVERED (tracking's fold);
//   - REVIEW_PUBLISHED: a Review created PUBLISHED (auto-published) or
//     updated to PUBLISHED (a moderation decision, an edit);
//   - REFERRAL_COMPLETED: a Referral update to COMPLETE (loyalty's guarded
//     transition).
//
// A write outside a transaction (a test's fixture through the bare
// client) emits nothing: there is no transaction to write in.
func (s *Service) Register(c *ent.Client) {
	c.Order.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.OrderFunc(func(ctx context.Context, m *ent.OrderMutation) (ent.Value, error) {
			var prev types.OrderStatus
			to, changes := m.Status()
			if m.Op().Is(ent.OpUpdateOne) && changes {
				var err error
				if prev, err = m.OldStatus(auth.WithSystem(ctx)); err != nil {
					return nil, err
				}
				changes = prev != to
			}
			v, err := next.Mutate(ctx, m)
			o, ok := v.(*ent.Order)
			tx := ent.TxFromContext(ctx)
			if err != nil || !ok || tx == nil {
				return v, err
			}
			data := OrderData{ID: o.ID, Number: o.Number, ExternalID: o.ExternalID, CustomerID: o.CustomerID, Status: o.Status}
			switch {
			case m.Op().Is(ent.OpCreate):
				err = s.Emit(ctx, tx, types.WebhookOrderCreated, data)
			case changes:
				data.PreviousStatus = prev
				err = s.Emit(ctx, tx, types.WebhookOrderStatusChanged, data)
			}
			return v, err
		})
	}, ent.OpCreate|ent.OpUpdateOne))

	c.Shipment.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ShipmentFunc(func(ctx context.Context, m *ent.ShipmentMutation) (ent.Value, error) {
			to, set := m.Status()
			if !set || (to != types.TrackingException && to != types.TrackingDelivered) {
				return next.Mutate(ctx, m)
			}
			prev, err := m.OldStatus(auth.WithSystem(ctx))
			if err != nil {
				return nil, err
			}
			v, err := next.Mutate(ctx, m)
			sh, ok := v.(*ent.Shipment)
			tx := ent.TxFromContext(ctx)
			if err != nil || !ok || tx == nil || prev == to {
				return v, err
			}
			event := types.WebhookShipmentException
			if to == types.TrackingDelivered {
				event = types.WebhookShipmentDelivered
			}
			return v, s.Emit(ctx, tx, event, ShipmentData{ID: sh.ID, OrderID: sh.OrderID, Carrier: sh.Carrier,
				TrackingNumber: sh.TrackingNumber, Status: sh.Status, SubStatus: sh.SubStatus, PreviousStatus: prev})
		})
	}, ent.OpUpdateOne))

	c.Review.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReviewFunc(func(ctx context.Context, m *ent.ReviewMutation) (ent.Value, error) {
			to, set := m.Status()
			if !set || to != types.ModerationPublished {
				return next.Mutate(ctx, m)
			}
			if m.Op().Is(ent.OpUpdateOne) {
				prev, err := m.OldStatus(auth.WithSystem(ctx))
				if err != nil {
					return nil, err
				}
				if prev == to {
					return next.Mutate(ctx, m)
				}
			}
			v, err := next.Mutate(ctx, m)
			r, ok := v.(*ent.Review)
			tx := ent.TxFromContext(ctx)
			if err != nil || !ok || tx == nil {
				return v, err
			}
			return v, s.Emit(ctx, tx, types.WebhookReviewPublished, ReviewData{ID: r.ID, ProductID: r.ProductID,
				CustomerID: r.CustomerID, Rating: r.Rating, Title: r.Title, VerifiedBuyer: r.VerifiedBuyer})
		})
	}, ent.OpCreate|ent.OpUpdateOne))

	c.Referral.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReferralFunc(func(ctx context.Context, m *ent.ReferralMutation) (ent.Value, error) {
			to, set := m.Status()
			tx := ent.TxFromContext(ctx)
			if !set || to != types.ReferralComplete || tx == nil {
				return next.Mutate(ctx, m)
			}
			sys := auth.WithSystem(ctx)
			// The rows the update will move (its predicates include the
			// status it moves from), minus those COMPLETE already.
			ids, err := m.IDs(sys)
			if err != nil {
				return nil, err
			}
			moving, err := tx.Referral.Query().Where(referral.IDIn(ids...), referral.StatusNEQ(types.ReferralComplete)).IDs(sys)
			if err != nil {
				return nil, err
			}
			v, err := next.Mutate(ctx, m)
			if err != nil || len(moving) == 0 {
				return v, err
			}
			refs, err := tx.Referral.Query().Where(referral.IDIn(moving...), referral.StatusEQ(types.ReferralComplete)).All(sys)
			if err != nil {
				return nil, err
			}
			for _, r := range refs {
				if err := s.Emit(ctx, tx, types.WebhookReferralCompleted, ReferralData{ID: r.ID, ReferrerID: r.ReferrerID,
					FriendID: r.FriendID, FirstOrderID: r.FirstOrderID, CompletedAt: r.CompletedAt}); err != nil {
					return nil, err
				}
			}
			return v, nil
		})
	}, ent.OpUpdate|ent.OpUpdateOne))
}
