package notify

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/itemreturn"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/review"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/server/auth"
)

// Review requests' defaults.
const (
	// DefaultReviewDelayDays: a week after delivery, the customer has used
	// most things but still remembers the purchase.
	DefaultReviewDelayDays = 7
	// DefaultReviewReminderDays: one reminder a week after the request;
	// never a second.
	DefaultReviewReminderDays = 7
	// DefaultReviewGapMinutes: the request and its reminder never reach a
	// customer within a day of each other, whatever the delays say.
	DefaultReviewGapMinutes = 24 * 60
)

// ReviewRequest is what REVIEW_REQUEST and REVIEW_REMINDER templates can
// use.
type ReviewRequest struct {
	// StoreName is the store's name (-store-name).
	StoreName string
	// FirstName is the customer's first name, or "there".
	FirstName string
	// OrderNumber is the store's order number.
	OrderNumber string
	// DeliveredOn is the order's delivery date, e.g. "6 March 2026".
	DeliveredOn string
	// Items are the order's products the customer has not reviewed yet.
	Items []Item
	// ReviewURL is the order's page, where its items can be reviewed.
	ReviewURL string
	// ReviewPoints is what a verified review earns in the loyalty program
	// (Config.ReviewPoints); 0 when the store has none, and the template
	// leaves the line out.
	ReviewPoints int64
}

// reviewSample is the review kinds' sample.
var reviewSample = ReviewRequest{StoreName: "Sample Store", FirstName: "Mina", OrderNumber: "AC-1001",
	DeliveredOn: "6 March 2026", Items: orderConfirmationSample.Items,
	ReviewURL: "https://shop.example.com/orders/AC-1001", ReviewPoints: 50}

func init() {
	registerJourney(journeySpec{name: JourneyReview,
		description: "A review request delayDays after the order's delivery (the longest categoryDelays of its items' categories " +
			"instead, when set), and one reminder reminderDays later if the customer has not reviewed; never when the order was " +
			"canceled, has a return or an open shipping exception. Marketing: it needs consent and counts toward the weekly cap.",
		kinds: []message.Kind{message.KindREVIEW_REQUEST, message.KindREVIEW_REMINDER},
		defaults: JourneySettings{Enabled: true, DelayDays: intp(DefaultReviewDelayDays),
			ReminderDays: intp(DefaultReviewReminderDays), CategoryDelays: map[string]int{},
			MinGapMinutes: DefaultReviewGapMinutes}})
	vars := func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
		return s.reviewRequest(ctx, c, m)
	}
	registerKind(message.KindREVIEW_REQUEST, kindSpec{sample: reviewSample, vars: vars,
		check: func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
			return s.reviewCheck(ctx, tx.Client(), m, nil)
		}})
	registerKind(message.KindREVIEW_REMINDER, kindSpec{sample: reviewSample, vars: vars,
		check: func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
			// The request on the reminder's own channel (a journey sent
			// by IN_APP only has no email request).
			key := onChannel(Msg{Channel: message.ChannelEMAIL, DedupeKey: reviewKey(*m.OrderID, "review_request")}, m.Channel).DedupeKey
			req, err := tx.Message.Query().Where(message.DedupeKey(key)).Only(auth.WithSystem(ctx))
			if ent.IsNotFound(err) || (err == nil && req.Status != message.StatusSENT) {
				return "the review request was not sent", nil
			}
			if err != nil {
				return "", err
			}
			return s.reviewCheck(ctx, tx.Client(), m, req.SentAt)
		}})
}

// reviewKey is the dedupe key of order id's review step.
func reviewKey(orderID int, step string) string {
	return fmt.Sprintf("order:%d:%s:EMAIL", orderID, step)
}

// registerReview hooks the review journey into c: the update that records
// an order's delivery (orders.Refresh sets delivered_at when its last
// item is delivered, in tracking's transaction) queues the request and
// the reminder, each waiting for its time (Msg.DueAt).
func (s *Service) registerReview(c *ent.Client) {
	onOrder(c, ent.OpUpdateOne, func(ctx context.Context, tx *ent.Tx, m *ent.OrderMutation, o *ent.Order) error {
		if _, touched := m.DeliveredAt(); !touched || o.DeliveredAt == nil {
			return nil
		}
		return s.orderDelivered(ctx, tx, o)
	})
}

// orderDelivered queues o's review request delayFor(its categories) after
// its delivery, and the reminder ReminderDays after that. Both keys name
// the order, so a delivery recorded again (a replayed webhook, a second
// parcel's late checkpoint) queues nothing new and keeps the first due
// times.
func (s *Service) orderDelivered(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	ctx = auth.WithSystem(ctx)
	set, err := s.journeySettings(ctx, tx.Client(), JourneyReview)
	if err != nil {
		return err
	}
	items, err := orderItemsWithProducts(ctx, tx.Client(), o.ID)
	if err != nil {
		return err
	}
	var cats []string
	for _, it := range items {
		if p := it.Edges.Product; p != nil {
			cats = append(cats, p.Category)
		}
	}
	cu, err := tx.Customer.Get(ctx, o.CustomerID)
	if err != nil {
		return err
	}
	due := o.DeliveredAt.Add(set.delayFor(cats))
	reminder := due.Add(time.Duration(*set.ReminderDays) * 24 * time.Hour)
	for _, st := range []struct {
		kind message.Kind
		step string
		due  time.Time
	}{{message.KindREVIEW_REQUEST, "review_request", due}, {message.KindREVIEW_REMINDER, "review_reminder", reminder}} {
		msg := Msg{Kind: st.kind, Channel: message.ChannelEMAIL, DedupeKey: reviewKey(o.ID, st.step), Recipient: cu.Email,
			CustomerID: &cu.ID, OrderID: &o.ID, Journey: JourneyReview, Marketing: true, DueAt: st.due}
		if o.CanceledAt != nil {
			msg.Skip = "the order was canceled"
		}
		if err := s.queueJourney(ctx, tx, set, msg); err != nil {
			return err
		}
	}
	return nil
}

// reviewCheck decides, when a review message is due, whether it is still
// wanted: not for a canceled order, one with a return (server/loyalty's
// markItemsReturned records them) or an open shipping exception, nor
// when the customer has reviewed every product of the order. A reminder
// (requestSent set) is also skipped once the customer wrote any review of
// the order's products since the request: they answered it.
func (s *Service) reviewCheck(ctx context.Context, c *ent.Client, m *ent.Message, requestSent *time.Time) (string, error) {
	ctx = auth.WithSystem(ctx)
	if m.OrderID == nil || m.CustomerID == nil {
		return "", fmt.Errorf("notify: review message %d without an order or customer", m.ID)
	}
	o, err := c.Order.Get(ctx, *m.OrderID)
	if err != nil {
		return "", err
	}
	if o.CanceledAt != nil {
		return "the order was canceled", nil
	}
	returned, err := c.ItemReturn.Query().Where(itemreturn.HasOrderItemWith(orderitem.OrderID(o.ID))).Exist(ctx)
	if err != nil {
		return "", err
	}
	if returned {
		return "items of the order were returned", nil
	}
	exception, err := c.Shipment.Query().Where(shipment.OrderID(o.ID), shipment.StatusEQ(types.TrackingException)).Exist(ctx)
	if err != nil {
		return "", err
	}
	if exception {
		return "the order has an open shipping exception", nil
	}
	items, err := orderItemsWithProducts(ctx, c, o.ID)
	if err != nil {
		return "", err
	}
	products := make([]int, 0, len(items))
	for _, it := range items {
		products = append(products, it.ProductID)
	}
	if requestSent != nil {
		answered, err := c.Review.Query().Where(review.CustomerID(*m.CustomerID), review.ProductIDIn(products...),
			review.CreatedAtGTE(*requestSent)).Exist(ctx)
		if err != nil {
			return "", err
		}
		if answered {
			return "the customer reviewed the order after the request", nil
		}
	}
	left, err := unreviewed(ctx, c, *m.CustomerID, items)
	if err != nil {
		return "", err
	}
	if len(left) == 0 {
		return "the customer has reviewed every product of the order already", nil
	}
	return "", nil
}

// unreviewed are the lines of items whose product customerID has not
// reviewed (one review per customer and product: asking again is
// pointless), one per product.
func unreviewed(ctx context.Context, c *ent.Client, customerID int, items []*ent.OrderItem) ([]*ent.OrderItem, error) {
	products := make([]int, 0, len(items))
	for _, it := range items {
		products = append(products, it.ProductID)
	}
	done, err := c.Review.Query().Where(review.CustomerID(customerID), review.ProductIDIn(products...)).
		Select(review.FieldProductID).Ints(ctx)
	if err != nil {
		return nil, err
	}
	seen := make(map[int]bool, len(items))
	for _, p := range done {
		seen[p] = true
	}
	var out []*ent.OrderItem
	for _, it := range items {
		if !seen[it.ProductID] {
			seen[it.ProductID] = true
			out = append(out, it)
		}
	}
	return out, nil
}

// reviewRequest reads m's variables through c (as the system).
func (s *Service) reviewRequest(ctx context.Context, c *ent.Client, m *ent.Message) (ReviewRequest, error) {
	ctx = auth.WithSystem(ctx)
	if m.OrderID == nil || m.CustomerID == nil {
		return ReviewRequest{}, fmt.Errorf("notify: review message %d without an order or customer", m.ID)
	}
	o, err := c.Order.Get(ctx, *m.OrderID)
	if err != nil {
		return ReviewRequest{}, err
	}
	cu, err := c.Customer.Get(ctx, *m.CustomerID)
	if err != nil {
		return ReviewRequest{}, err
	}
	items, err := orderItemsWithProducts(ctx, c, o.ID)
	if err != nil {
		return ReviewRequest{}, err
	}
	left, err := unreviewed(ctx, c, cu.ID, items)
	if err != nil {
		return ReviewRequest{}, err
	}
	v := ReviewRequest{StoreName: s.cfg.StoreName, FirstName: firstName(cu), OrderNumber: o.Number,
		ReviewURL: strings.ReplaceAll(*s.orderURL.Load(), "{number}", url.PathEscape(o.Number)), ReviewPoints: s.cfg.ReviewPoints}
	if o.DeliveredAt != nil {
		v.DeliveredOn = s.dateFor(cu, *o.DeliveredAt)
	}
	for _, it := range left {
		v.Items = append(v.Items, itemOf(it, it.Quantity))
	}
	return v, nil
}
