package notify

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/server/money"
)

// OrderConfirmation is what an ORDER_CONFIRMATION template can use: what
// the post-purchase guides require of a confirmation (issue 13). Amounts
// are formatted with their currency ("12.30 EUR"); an amount that is zero
// is empty, so {{if .Discount}} hides the line.
type OrderConfirmation struct {
	// StoreName is the store's name (-store-name).
	StoreName string
	// FirstName is the customer's first name, or "there" when the store
	// did not send one ("Thank you, there!" reads better than a blank).
	FirstName string
	// OrderNumber is the store's order number, as the customer knows it.
	OrderNumber string
	// PlacedOn is the order's date, e.g. "2 March 2026".
	PlacedOn string
	// Items are the order's lines, in the order the store sent them.
	Items []Item
	// Subtotal, Shipping, Tax, Discount and Total are the order's amounts.
	Subtotal, Shipping, Tax, Discount, Total string
	// ExpectedDelivery is the expected delivery date: the carrier's
	// estimate once a shipment has one, else DeliveryDays after the order.
	ExpectedDelivery string
	// DeliveryMethod is how it travels: the carrier once shipped, else the
	// store's default method.
	DeliveryMethod string
	// TrackingURL is the order's tracking page (the tracking button).
	TrackingURL string
	// ReturnPolicy is the order's return and exchange policy.
	ReturnPolicy string
	// ReturnWindowDays is how many days after delivery items can be
	// returned (0 when the store sent none).
	ReturnWindowDays int
	// ReturnAddress is where returns go.
	ReturnAddress string

	// Variant is the confirmation's variant (PLAIN, WELCOME,
	// REASSURANCE, ENTICING or SIMILAR; see chooseVariant): a template
	// shows each variant's block with {{if eq .Variant "WELCOME"}}. The
	// fields below are filled whatever the variant, so a staff template
	// may show the coupon in every confirmation.
	Variant Variant
	// AfterSupportContact and AfterLateParcel say why a REASSURANCE
	// confirmation reassures: the customer contacted support lately, or
	// their previous parcel was late (both may be true).
	AfterSupportContact, AfterLateParcel bool
	// CouponCode is the journey's coupon (journey setting couponCode),
	// empty when none is set.
	CouponCode string
	// ReferralCode is the customer's referral code, empty before they
	// were issued one.
	ReferralCode string
	// Suggestions are products that go with the order: complements,
	// then bestsellers of the bought products' categories (at most 3).
	Suggestions []Suggestion
}

// Item is one order line in a message.
type Item struct {
	// Name is the product's name.
	Name string
	// ImageURL is the product's image, empty when it has none.
	ImageURL string
	// Quantity is how many were bought.
	Quantity int
	// UnitPrice and LineTotal are the price of one and of the line.
	UnitPrice, LineTotal string
}

func init() {
	registerKind(message.KindORDER_CONFIRMATION, kindSpec{sample: orderConfirmationSample,
		variants: confirmationSamples(),
		vars: func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
			if m.OrderID == nil {
				return nil, fmt.Errorf("an order confirmation without an order")
			}
			return s.orderConfirmation(ctx, c, *m.OrderID, m.Variant)
		},
		check: chooseConfirmationVariant})
}

// chooseConfirmationVariant is ORDER_CONFIRMATION's check, run by the
// dispatcher before the first attempt, in the transaction that then
// renders the message: it skips nothing, but chooses the variant from the
// customer's history now and records it on the message (m.Variant too,
// which the rendering that follows in this transaction reads), so staff
// see which variant went out and a later attempt renders the same one.
// Previews of a message not yet sent choose afresh (what would go now).
func chooseConfirmationVariant(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
	if m.OrderID == nil {
		return "", nil
	}
	v, err := s.orderConfirmation(ctx, tx.Client(), *m.OrderID, nil)
	if err != nil {
		return "", err
	}
	name := string(v.Variant)
	m.Variant = &name
	return "", tx.Message.UpdateOne(m).SetVariant(name).Exec(ctx)
}

// orderConfirmationSample is ORDER_CONFIRMATION's sample: every field set
// and every list filled (each branch and loop body runs when a template
// is validated).
var orderConfirmationSample = OrderConfirmation{
	StoreName: "Sample Store", FirstName: "Mina", OrderNumber: "AC-1001", PlacedOn: "2 March 2026",
	Items: []Item{{Name: "Ceramic mug <blue>", ImageURL: "https://shop.example.com/mug.jpg", Quantity: 2,
		UnitPrice: "12.50 EUR", LineTotal: "25.00 EUR"}},
	Subtotal: "25.00 EUR", Shipping: "4.90 EUR", Tax: "4.75 EUR", Discount: "2.00 EUR", Total: "32.65 EUR",
	ExpectedDelivery: "6 March 2026", DeliveryMethod: "Standard delivery",
	TrackingURL: "https://shop.example.com/orders/AC-1001", ReturnPolicy: "Return within 30 days for a full refund.",
	ReturnWindowDays: 30, ReturnAddress: "Sample Store Returns, 1 Dock Road, 10115 Berlin, DE",
	Variant: VariantPlain, AfterSupportContact: true, AfterLateParcel: true,
	CouponCode: "THANKS10", ReferralCode: "MINA-7K2Q",
	Suggestions: []Suggestion{{Name: "Milk frother <steel>", ImageURL: "https://shop.example.com/frother.jpg", Complement: true},
		{Name: "Espresso cups", Complement: false}},
}

// confirmationSamples are the sample once per variant, so that a
// template's every variant block runs when it is validated (a typo in
// the WELCOME block is refused at save, not found at a first order).
func confirmationSamples() []any {
	out := make([]any, 0, len(Variants))
	for _, v := range Variants {
		sm := orderConfirmationSample
		sm.Variant = v
		out = append(out, sm)
	}
	return out
}

// orderConfirmation reads order id's variables through c (as the
// system), with the variant recorded on the message, else the one the
// rule chooses now.
func (s *Service) orderConfirmation(ctx context.Context, c *ent.Client, orderID int, recorded *string) (OrderConfirmation, error) {
	o, err := c.Order.Get(ctx, orderID)
	if err != nil {
		return OrderConfirmation{}, err
	}
	cu, err := o.QueryCustomer().Only(ctx)
	if err != nil {
		return OrderConfirmation{}, err
	}
	items, err := o.QueryItems().Order(ent.Asc(orderitem.FieldID)).WithProduct().All(ctx)
	if err != nil {
		return OrderConfirmation{}, err
	}
	ships, err := o.QueryShipments().All(ctx)
	if err != nil {
		return OrderConfirmation{}, err
	}
	amt := func(minor int64, zeroEmpty bool) string {
		if minor == 0 && zeroEmpty {
			return ""
		}
		return money.Money{Minor: minor, Currency: o.Currency}.String()
	}
	v := OrderConfirmation{
		StoreName: s.cfg.StoreName, FirstName: cu.FirstName, OrderNumber: o.Number,
		PlacedOn: s.dateFor(cu, o.PlacedAt),
		Subtotal: amt(o.SubtotalMinor, false), Shipping: amt(o.ShippingMinor, false), Tax: amt(o.TaxMinor, true),
		Discount: amt(o.DiscountMinor, true), Total: amt(o.TotalMinor, false),
		ExpectedDelivery: s.dateFor(cu, o.PlacedAt.In(s.customerZone(cu)).AddDate(0, 0, s.cfg.DeliveryDays)),
		DeliveryMethod:   s.cfg.DeliveryMethod,
		TrackingURL:      strings.ReplaceAll(*s.orderURL.Load(), "{number}", url.PathEscape(o.Number)),
		ReturnPolicy:     o.ReturnPolicy, ReturnWindowDays: o.ReturnWindowDays, ReturnAddress: s.cfg.ReturnAddress,
	}
	if strings.TrimSpace(v.FirstName) == "" {
		v.FirstName = "there"
	}
	// The carrier's estimate, once a shipment has one, is better than the
	// store's rule of thumb: the latest of the order's shipments.
	var eta time.Time
	var carriers []string
	for _, sh := range ships {
		if sh.LatestEstimatedDeliveryAt != nil && sh.LatestEstimatedDeliveryAt.After(eta) {
			eta = *sh.LatestEstimatedDeliveryAt
		}
		carriers = append(carriers, sh.Carrier)
	}
	if !eta.IsZero() {
		v.ExpectedDelivery = s.dateFor(cu, eta)
	}
	if len(carriers) > 0 {
		v.DeliveryMethod = strings.Join(carriers, ", ")
	}
	for _, it := range items {
		unit := money.Money{Minor: it.UnitPriceMinor, Currency: it.Currency}
		line, err := unit.Mul(int64(it.Quantity))
		if err != nil {
			return OrderConfirmation{}, fmt.Errorf("notify: order %d line %d: %w", o.ID, it.ID, err)
		}
		item := Item{Quantity: it.Quantity, UnitPrice: unit.String(), LineTotal: line.String()}
		if p := it.Edges.Product; p != nil {
			item.Name = p.Name
			if p.ImageURL != nil {
				item.ImageURL = *p.ImageURL
			}
		}
		v.Items = append(v.Items, item)
	}
	f, err := s.readFacts(ctx, c, o, s.customerZone(cu), items, &v)
	if err != nil {
		return OrderConfirmation{}, err
	}
	v.Variant = chooseVariant(f)
	if recorded != nil && *recorded != "" {
		v.Variant = Variant(*recorded)
	}
	return v, nil
}
