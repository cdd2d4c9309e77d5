package orders

import (
	"context"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipmentitem"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
)

// Limits on imported orders: generous for real stores, small enough that one
// request is bounded work.
const (
	MaxItems            = 500
	MaxQuantity         = 100_000
	MaxReturnWindowDays = 365
	MaxRewardCodes      = 10
)

// Policy is the store's default return policy, applied to imports that do
// not carry their own.
type Policy struct {
	// Text is the return and exchange policy shown with every order.
	Text string
	// WindowDays is how many days after delivery an order can be returned.
	WindowDays int
}

// Service imports orders. It is safe for concurrent use.
type Service struct {
	db     *db.DB
	policy Policy
	// referrals takes the referral code an order carries (UseReferrals).
	referrals ReferralClaimer
	// rewardCodes marks the reward codes an order carries used
	// (UseRewardCodes).
	rewardCodes RewardCodeUser
}

// NewService returns a Service that writes through d and applies policy to
// imports without their own.
func NewService(d *db.DB, policy Policy) *Service { return &Service{db: d, policy: policy} }

// ImportInput is an order as the store platform has it; the GraphQL
// ImportOrderInput and the JSON import share it.
type ImportInput struct {
	ExternalID       string               `json:"externalId"`
	Number           string               `json:"number"`
	PlacedAt         time.Time            `json:"placedAt"`
	CurrencyCode     string               `json:"currencyCode"`
	Customer         CustomerInput        `json:"customer"`
	Items            []ItemInput          `json:"items"`
	ShippingCost     *string              `json:"shippingCost,omitempty"`
	Tax              *string              `json:"tax,omitempty"`
	Discount         *string              `json:"discount,omitempty"`
	Total            *string              `json:"total,omitempty"`
	ShippingAddress  types.Address        `json:"shippingAddress"`
	PaymentMethod    *types.PaymentMethod `json:"paymentMethod,omitempty"`
	CanceledAt       *time.Time           `json:"canceledAt,omitempty"`
	ReturnPolicy     *string              `json:"returnPolicy,omitempty"`
	ReturnWindowDays *int                 `json:"returnWindowDays,omitempty"`
	// ReferralCode is the code the friend used with their first order
	// (see UseReferrals).
	ReferralCode *string `json:"referralCode,omitempty"`
	// RewardCodes are loyalty reward codes the order used (see
	// UseRewardCodes).
	RewardCodes []string `json:"rewardCodes,omitempty"`
}

// CustomerInput identifies the customer of an imported order.
type CustomerInput struct {
	Email      string  `json:"email"`
	FirstName  *string `json:"firstName,omitempty"`
	LastName   *string `json:"lastName,omitempty"`
	ExternalID *string `json:"externalId,omitempty"`
	// TimeZone is the customer's IANA zone (quiet hours, server/notify).
	TimeZone *string `json:"timeZone,omitempty"`
}

// ItemInput is one imported order line.
type ItemInput struct {
	ExternalID          string  `json:"externalId"`
	Sku                 string  `json:"sku"`
	Name                string  `json:"name"`
	ImageURL            *string `json:"imageUrl,omitempty"`
	Category            *string `json:"category,omitempty"`
	ReorderIntervalDays *int    `json:"reorderIntervalDays,omitempty"`
	Quantity            int     `json:"quantity"`
	UnitPrice           string  `json:"unitPrice"`
}

// ImportResult is what Import did.
type ImportResult struct {
	// Order is the order as stored.
	Order *ent.Order
	// Created is true when the import created the order.
	Created bool
	// Changed is true when the import changed an existing order.
	Changed bool
}

// Import creates or updates an order. It needs a staff viewer. The whole
// import is one transaction: on any error nothing is written.
func (s *Service) Import(ctx context.Context, in ImportInput) (*ImportResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	n, err := s.validate(in)
	if err != nil {
		return nil, err
	}
	var res *ImportResult
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if res, err = s.importTx(ctx, tx, n); err != nil {
			return err
		}
		if err := s.claimReferral(ctx, tx, res.Order, n.in.ReferralCode); err != nil {
			return err
		}
		return s.useRewardCodes(ctx, tx, res.Order, n.in.RewardCodes)
	})
	if err != nil {
		return nil, err
	}
	// Entities from a committed transaction still point at it: re-read
	// through the client, as the caller.
	if res.Order, err = s.db.Order.Get(ctx, res.Order.ID); err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Service) importTx(ctx context.Context, tx *ent.Tx, n *normalized) (*ImportResult, error) {
	in := n.in
	q := tx.Order.Query().Where(order.ExternalID(in.ExternalID))
	if s.db.LockForUpdate() {
		q = q.ForUpdate()
	}
	existing, err := q.Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	if clash, err := tx.Order.Query().Where(order.Number(in.Number), order.ExternalIDNEQ(in.ExternalID)).Exist(ctx); err != nil {
		return nil, err
	} else if clash {
		return nil, errs.Invalid("number", "order number %q belongs to another order", in.Number)
	}
	cust, custChanged, err := upsertCustomer(ctx, tx, n.email, in.Customer)
	if err != nil {
		return nil, err
	}
	productIDs := make([]int, len(in.Items))
	prodChanged := false
	for i, it := range in.Items {
		id, changed, err := upsertProduct(ctx, tx, it)
		if err != nil {
			return nil, err
		}
		productIDs[i], prodChanged = id, prodChanged || changed
	}
	if existing == nil {
		o, err := tx.Order.Create().
			SetExternalID(in.ExternalID).
			SetNumber(in.Number).
			SetCustomerID(cust.ID).
			SetPlacedAt(in.PlacedAt).
			SetNillableCanceledAt(in.CanceledAt).
			SetCurrency(n.currency).
			SetSubtotalMinor(n.subtotal).
			SetShippingMinor(n.shipping).
			SetTaxMinor(n.tax).
			SetDiscountMinor(n.disc).
			SetTotalMinor(n.tot).
			SetShippingAddress(in.ShippingAddress).
			SetPaymentMethod(paymentOrZero(in.PaymentMethod)).
			SetReturnPolicy(n.policy).
			SetReturnWindowDays(n.windowDays).
			Save(ctx)
		if err != nil {
			return nil, err
		}
		creates := make([]*ent.OrderItemCreate, len(in.Items))
		for i, it := range in.Items {
			creates[i] = tx.OrderItem.Create().
				SetOrderID(o.ID).
				SetProductID(productIDs[i]).
				SetExternalID(it.ExternalID).
				SetQuantity(it.Quantity).
				SetUnitPriceMinor(n.units[i]).
				SetCurrency(n.currency)
		}
		if err := tx.OrderItem.CreateBulk(creates...).Exec(ctx); err != nil {
			return nil, err
		}
		o, err = Refresh(ctx, tx, o.ID)
		if err != nil {
			return nil, err
		}
		return &ImportResult{Order: o, Created: true}, nil
	}
	if existing.CustomerID != cust.ID {
		return nil, errs.Invalid("customer.email", "order %q belongs to another customer; an import cannot move it", in.ExternalID)
	}
	changed, err := s.updateOrder(ctx, tx, existing, n, productIDs)
	if err != nil {
		return nil, err
	}
	o, err := Refresh(ctx, tx, existing.ID)
	if err != nil {
		return nil, err
	}
	return &ImportResult{Order: o, Changed: changed || custChanged || prodChanged}, nil
}

func paymentOrZero(p *types.PaymentMethod) types.PaymentMethod {
	if p == nil {
		return types.PaymentMethod{}
	}
	return *p
}

// updateOrder applies a re-import to an existing order and reports whether
// anything changed. Nothing is written when nothing differs, so an identical
// re-import leaves updatedAt alone.
func (s *Service) updateOrder(ctx context.Context, tx *ent.Tx, o *ent.Order, n *normalized, productIDs []int) (bool, error) {
	in := n.in
	changed := false
	upd := tx.Order.UpdateOne(o)
	set := func(differs bool, apply func()) {
		if differs {
			apply()
			changed = true
		}
	}
	set(o.Number != in.Number, func() { upd.SetNumber(in.Number) })
	set(!o.PlacedAt.Equal(in.PlacedAt), func() { upd.SetPlacedAt(in.PlacedAt) })
	set(!sameTime(o.CanceledAt, in.CanceledAt), func() {
		if in.CanceledAt != nil {
			upd.SetCanceledAt(*in.CanceledAt)
		} else {
			upd.ClearCanceledAt()
		}
	})
	if o.Currency != n.currency {
		return false, errs.Invalid("currencyCode", "an order's currency cannot change (was %s)", o.Currency)
	}
	set(o.SubtotalMinor != n.subtotal || o.ShippingMinor != n.shipping || o.TaxMinor != n.tax || o.DiscountMinor != n.disc || o.TotalMinor != n.tot, func() {
		upd.SetSubtotalMinor(n.subtotal).SetShippingMinor(n.shipping).SetTaxMinor(n.tax).SetDiscountMinor(n.disc).SetTotalMinor(n.tot)
	})
	set(o.ShippingAddress != in.ShippingAddress, func() { upd.SetShippingAddress(in.ShippingAddress) })
	set(o.PaymentMethod != paymentOrZero(in.PaymentMethod), func() { upd.SetPaymentMethod(paymentOrZero(in.PaymentMethod)) })
	set(o.ReturnPolicy != n.policy, func() { upd.SetReturnPolicy(n.policy) })
	set(o.ReturnWindowDays != n.windowDays, func() { upd.SetReturnWindowDays(n.windowDays) })
	if changed {
		if err := upd.Exec(ctx); err != nil {
			return false, err
		}
	}

	items, err := tx.OrderItem.Query().Where(orderitem.OrderID(o.ID)).All(ctx)
	if err != nil {
		return false, err
	}
	byExt := make(map[string]*ent.OrderItem, len(items))
	for _, it := range items {
		byExt[it.ExternalID] = it
	}
	shipped, err := shippedUnits(ctx, tx, items)
	if err != nil {
		return false, err
	}
	for i, it := range in.Items {
		cur, ok := byExt[it.ExternalID]
		if !ok {
			if err := tx.OrderItem.Create().SetOrderID(o.ID).SetProductID(productIDs[i]).SetExternalID(it.ExternalID).
				SetQuantity(it.Quantity).SetUnitPriceMinor(n.units[i]).SetCurrency(n.currency).Exec(ctx); err != nil {
				return false, err
			}
			changed = true
			continue
		}
		delete(byExt, it.ExternalID)
		if cur.Quantity == it.Quantity && cur.UnitPriceMinor == n.units[i] && cur.ProductID == productIDs[i] {
			continue
		}
		if it.Quantity < shipped[cur.ID] {
			return false, errs.Errorf(errs.Conflict, "items[%d].quantity: %d units of %q have shipped already", i, shipped[cur.ID], it.ExternalID)
		}
		if err := tx.OrderItem.UpdateOne(cur).SetQuantity(it.Quantity).SetUnitPriceMinor(n.units[i]).SetProductID(productIDs[i]).Exec(ctx); err != nil {
			return false, err
		}
		changed = true
	}
	for ext, gone := range byExt {
		if shipped[gone.ID] > 0 {
			return false, errs.Errorf(errs.Conflict, "item %q has shipped and cannot be removed from the order", ext)
		}
		if err := tx.OrderItem.DeleteOne(gone).Exec(ctx); err != nil {
			return false, err
		}
		changed = true
	}
	return changed, nil
}

// shippedUnits sums, per order item, the units already in shipments.
func shippedUnits(ctx context.Context, tx *ent.Tx, items []*ent.OrderItem) (map[int]int, error) {
	ids := make([]int, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	sis, err := tx.ShipmentItem.Query().Where(shipmentitem.OrderItemIDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int]int, len(sis))
	for _, si := range sis {
		out[si.OrderItemID] += si.Quantity
	}
	return out, nil
}
