package notify

import (
	"context"
	"sort"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/supportcontact"
	"github.com/aftercart/aftercart/ent/trackingevent"
)

// The confirmation's variant facts and extras, read through c (as the
// system) when the message is rendered: what the customer's history is
// then decides, and what was chosen is recorded on the message.

// Suggestion is a product a SIMILAR confirmation suggests.
type Suggestion struct {
	// Name is the product's name.
	Name string
	// ImageURL is its image, empty when it has none.
	ImageURL string
	// Complement is true for a product staff set as going with one that
	// was bought, false for a bestseller of a bought product's category.
	Complement bool
}

// readFacts fills the facts of order o (its customer's history at now;
// the customer lives in loc), and v's variant extras: the coupon, the
// referral code, the suggestions and the reason for reassurance.
func (s *Service) readFacts(ctx context.Context, c *ent.Client, o *ent.Order, loc *time.Location, items []*ent.OrderItem, v *OrderConfirmation) (confirmationFacts, error) {
	var f confirmationFacts
	now := s.now()
	prev, err := c.Order.Query().Where(order.CustomerID(o.CustomerID), order.IDNEQ(o.ID),
		order.Or(order.PlacedAtLT(o.PlacedAt), order.And(order.PlacedAtEQ(o.PlacedAt), order.IDLT(o.ID)))).
		Order(ent.Desc(order.FieldPlacedAt), ent.Desc(order.FieldID)).First(ctx)
	switch {
	case ent.IsNotFound(err):
		f.firstOrder = true
	case err != nil:
		return f, err
	default:
		if f.lateParcel, err = wasLate(ctx, c, prev, loc); err != nil {
			return f, err
		}
	}
	if f.supportContact, err = c.SupportContact.Query().Where(supportcontact.CustomerID(o.CustomerID),
		supportcontact.AtGTE(now.Add(-ReassuranceWindow)), supportcontact.AtLTE(now)).Exist(ctx); err != nil {
		return f, err
	}
	set, err := s.journeySettings(ctx, c, JourneyOrderConfirmation)
	if err != nil {
		return f, err
	}
	if set.CouponCode != nil {
		f.coupon = *set.CouponCode
	}
	acct, err := c.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(o.CustomerID)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return f, err
	}
	if acct != nil && acct.ReferralCode != nil {
		f.referralCode = *acct.ReferralCode
	}
	sugg, err := suggestions(ctx, c, items, now)
	if err != nil {
		return f, err
	}
	f.suggestions = len(sugg)
	v.CouponCode, v.ReferralCode, v.Suggestions = f.coupon, f.referralCode, sugg
	v.AfterSupportContact, v.AfterLateParcel = f.supportContact, f.lateParcel
	return f, nil
}

// wasLate reports whether order o had a late parcel: a delay notice went
// out for it, one of its shipments had an exception, or one was
// delivered on a day after its first estimate, days as they are in loc,
// where the customer lives (a parcel that comes in the evening of its
// estimated day is on time, whatever the hour is in UTC).
func wasLate(ctx context.Context, c *ent.Client, o *ent.Order, loc *time.Location) (bool, error) {
	notice, err := c.Message.Query().Where(message.OrderID(o.ID), message.KindEQ(message.KindDELAY_NOTICE),
		message.StatusEQ(message.StatusSENT)).Exist(ctx)
	if err != nil || notice {
		return notice, err
	}
	ships, err := c.Shipment.Query().Where(shipment.OrderID(o.ID)).All(ctx)
	if err != nil {
		return false, err
	}
	ids := make([]int, 0, len(ships))
	for _, sh := range ships {
		if sh.Status == types.TrackingException {
			return true, nil
		}
		if sh.DeliveredAt != nil && sh.FirstEstimatedDeliveryAt != nil && afterDay(*sh.DeliveredAt, *sh.FirstEstimatedDeliveryAt, loc) {
			return true, nil
		}
		ids = append(ids, sh.ID)
	}
	if len(ids) == 0 {
		return false, nil
	}
	return c.TrackingEvent.Query().Where(trackingevent.ShipmentIDIn(ids...),
		trackingevent.StatusEQ(types.TrackingException)).Exist(ctx)
}

// afterDay reports whether t falls on a calendar day after day's, in loc.
func afterDay(t, day time.Time, loc *time.Location) bool {
	y, m, d := day.In(loc).Date()
	return !t.Before(time.Date(y, m, d+1, 0, 0, 0, 0, loc))
}

// suggestions are what goes with items: the bought products' complements
// (staff's Product.complements, by name), then bestsellers of their
// categories over bestsellerWindow (by units sold), never a product that
// was bought, at most maxSuggestions.
func suggestions(ctx context.Context, c *ent.Client, items []*ent.OrderItem, now time.Time) ([]Suggestion, error) {
	bought := make([]int, 0, len(items))
	cats := map[string]bool{}
	for _, it := range items {
		bought = append(bought, it.ProductID)
		if p := it.Edges.Product; p != nil && p.Category != "" {
			cats[p.Category] = true
		}
	}
	if len(bought) == 0 {
		return nil, nil
	}
	comps, err := c.Product.Query().Where(product.IDIn(bought...)).QueryComplements().
		Where(product.IDNotIn(bought...)).Order(ent.Asc(product.FieldName), ent.Asc(product.FieldID)).
		Limit(maxSuggestions).All(ctx)
	if err != nil {
		return nil, err
	}
	var out []Suggestion
	seen := map[int]bool{}
	for _, p := range comps {
		seen[p.ID] = true
		out = append(out, suggestionOf(p, true))
	}
	if len(out) >= maxSuggestions || len(cats) == 0 {
		return out, nil
	}
	catList := make([]string, 0, len(cats))
	for k := range cats {
		catList = append(catList, k)
	}
	var sold []struct {
		ProductID int `json:"product_id"`
		Sum       int `json:"sum"`
	}
	err = c.OrderItem.Query().Where(orderitem.HasProductWith(product.CategoryIn(catList...), product.IDNotIn(bought...)),
		orderitem.HasOrderWith(order.PlacedAtGTE(now.Add(-bestsellerWindow)), order.CanceledAtIsNil())).
		GroupBy(orderitem.FieldProductID).Aggregate(ent.Sum(orderitem.FieldQuantity)).Scan(ctx, &sold)
	if err != nil {
		return nil, err
	}
	sort.Slice(sold, func(a, b int) bool {
		if sold[a].Sum != sold[b].Sum {
			return sold[a].Sum > sold[b].Sum
		}
		return sold[a].ProductID < sold[b].ProductID
	})
	var ids []int
	for _, r := range sold {
		if !seen[r.ProductID] && len(out)+len(ids) < maxSuggestions {
			ids = append(ids, r.ProductID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	ps, err := c.Product.Query().Where(product.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*ent.Product, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	for _, id := range ids {
		if p := byID[id]; p != nil {
			out = append(out, suggestionOf(p, false))
		}
	}
	return out, nil
}

// suggestionOf is p as a suggestion.
func suggestionOf(p *ent.Product, complement bool) Suggestion {
	sg := Suggestion{Name: p.Name, Complement: complement}
	if p.ImageURL != nil {
		sg.ImageURL = *p.ImageURL
	}
	return sg
}
