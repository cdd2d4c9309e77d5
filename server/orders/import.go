package orders

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipmentitem"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/money"
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

// normalized is a validated ImportInput with amounts parsed.
type normalized struct {
	in                                 ImportInput
	email                              string
	currency                           string
	subtotal, shipping, tax, disc, tot int64
	units                              []int64
	policy                             string
	windowDays                         int
}

var (
	countryCode = regexp.MustCompile(`^[A-Z]{2}$`)
	last4       = regexp.MustCompile(`^[0-9]{4}$`)
)

func (s *Service) validate(in ImportInput) (*normalized, error) {
	n := &normalized{}
	// Normalizing rewrites items: work on a copy, never the caller's slice.
	in.Items = append([]ItemInput(nil), in.Items...)
	in.ExternalID, in.Number = strings.TrimSpace(in.ExternalID), strings.TrimSpace(in.Number)
	switch {
	case in.ExternalID == "" || len(in.ExternalID) > 128:
		return nil, errs.Invalid("externalId", "must be 1 to 128 characters")
	case in.Number == "" || len(in.Number) > 64:
		return nil, errs.Invalid("number", "must be 1 to 64 characters")
	case in.PlacedAt.IsZero():
		return nil, errs.Invalid("placedAt", "is required")
	case len(in.Items) == 0:
		return nil, errs.Invalid("items", "an order needs at least one item")
	case len(in.Items) > MaxItems:
		return nil, errs.Invalid("items", "at most %d items per order", MaxItems)
	}
	cur, err := money.ParseCurrency(in.CurrencyCode)
	if err != nil {
		return nil, errs.Invalid("currencyCode", "%q is not an ISO 4217 currency code", in.CurrencyCode)
	}
	n.currency = cur
	addr, err := mail.ParseAddress(strings.TrimSpace(in.Customer.Email))
	if err != nil || addr.Name != "" || len(addr.Address) > 320 {
		return nil, errs.Invalid("customer.email", "%q is not an email address", in.Customer.Email)
	}
	n.email = strings.ToLower(addr.Address)
	if tz := trimmed(in.Customer.TimeZone); tz != nil {
		if _, err := time.LoadLocation(*tz); err != nil || *tz == "Local" || len(*tz) > 64 {
			return nil, errs.Invalid("customer.timeZone", "%q is not an IANA time zone name (e.g. Europe/Berlin)", *tz)
		}
	}
	seen := make(map[string]bool, len(in.Items))
	for i, it := range in.Items {
		field := fmt.Sprintf("items[%d]", i)
		it.ExternalID, it.Sku, it.Name = strings.TrimSpace(it.ExternalID), strings.TrimSpace(it.Sku), strings.TrimSpace(it.Name)
		switch {
		case it.ExternalID == "" || len(it.ExternalID) > 128:
			return nil, errs.Invalid(field+".externalId", "must be 1 to 128 characters")
		case seen[it.ExternalID]:
			return nil, errs.Invalid(field+".externalId", "%q appears twice", it.ExternalID)
		case it.Sku == "" || len(it.Sku) > 128:
			return nil, errs.Invalid(field+".sku", "must be 1 to 128 characters")
		case it.Name == "" || len(it.Name) > 256:
			return nil, errs.Invalid(field+".name", "must be 1 to 256 characters")
		case it.Quantity < 1 || it.Quantity > MaxQuantity:
			return nil, errs.Invalid(field+".quantity", "must be between 1 and %d", MaxQuantity)
		case it.ReorderIntervalDays != nil && (*it.ReorderIntervalDays < 1 || *it.ReorderIntervalDays > 3650):
			return nil, errs.Invalid(field+".reorderIntervalDays", "must be between 1 and 3650")
		}
		seen[it.ExternalID] = true
		in.Items[i] = it
		p, err := money.ParseNonNegative(it.UnitPrice, cur)
		if err != nil {
			return nil, errs.Invalid(field+".unitPrice", "%s", messageOf(err))
		}
		line, err := p.Mul(int64(it.Quantity))
		if err != nil {
			return nil, errs.Invalid(field+".unitPrice", "line total overflows")
		}
		n.units = append(n.units, p.Minor)
		n.subtotal += line.Minor
	}
	amount := func(field string, v *string) (int64, error) {
		if v == nil {
			return 0, nil
		}
		m, err := money.ParseNonNegative(*v, cur)
		if err != nil {
			return 0, errs.Invalid(field, "%s", messageOf(err))
		}
		return m.Minor, nil
	}
	if n.shipping, err = amount("shippingCost", in.ShippingCost); err != nil {
		return nil, err
	}
	if n.tax, err = amount("tax", in.Tax); err != nil {
		return nil, err
	}
	if n.disc, err = amount("discount", in.Discount); err != nil {
		return nil, err
	}
	n.tot = n.subtotal + n.shipping + n.tax - n.disc
	if in.Total != nil {
		if n.tot, err = amount("total", in.Total); err != nil {
			return nil, err
		}
	} else if n.tot < 0 {
		return nil, errs.Invalid("discount", "is larger than the order")
	}
	a := in.ShippingAddress
	a.CountryCode = strings.ToUpper(strings.TrimSpace(a.CountryCode))
	switch {
	case strings.TrimSpace(a.Name) == "":
		return nil, errs.Invalid("shippingAddress.name", "is required")
	case strings.TrimSpace(a.Line1) == "":
		return nil, errs.Invalid("shippingAddress.line1", "is required")
	case strings.TrimSpace(a.City) == "":
		return nil, errs.Invalid("shippingAddress.city", "is required")
	case !countryCode.MatchString(a.CountryCode):
		return nil, errs.Invalid("shippingAddress.countryCode", "must be an ISO 3166-1 alpha-2 code such as \"DE\"")
	}
	in.ShippingAddress = a
	if pm := in.PaymentMethod; pm != nil {
		if strings.TrimSpace(pm.Kind) == "" {
			return nil, errs.Invalid("paymentMethod.kind", "is required")
		}
		if pm.Last4 != "" && !last4.MatchString(pm.Last4) {
			return nil, errs.Invalid("paymentMethod.last4", "must be exactly four digits")
		}
	}
	n.policy, n.windowDays = s.policy.Text, s.policy.WindowDays
	if in.ReturnPolicy != nil {
		n.policy = strings.TrimSpace(*in.ReturnPolicy)
	}
	if in.ReturnWindowDays != nil {
		if *in.ReturnWindowDays < 0 || *in.ReturnWindowDays > MaxReturnWindowDays {
			return nil, errs.Invalid("returnWindowDays", "must be between 0 and %d", MaxReturnWindowDays)
		}
		n.windowDays = *in.ReturnWindowDays
	}
	if len(in.RewardCodes) > MaxRewardCodes {
		return nil, errs.Invalid("rewardCodes", "at most %d reward codes per order", MaxRewardCodes)
	}
	n.in = in
	return n, nil
}

func messageOf(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
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

func upsertCustomer(ctx context.Context, tx *ent.Tx, email string, in CustomerInput) (*ent.Customer, bool, error) {
	c, err := tx.Customer.Query().Where(customer.Email(email)).Only(ctx)
	if ent.IsNotFound(err) {
		create := tx.Customer.Create().SetEmail(email).SetNillableExternalID(trimmed(in.ExternalID))
		if in.FirstName != nil {
			create.SetFirstName(strings.TrimSpace(*in.FirstName))
		}
		if in.LastName != nil {
			create.SetLastName(strings.TrimSpace(*in.LastName))
		}
		create.SetNillableTimeZone(trimmed(in.TimeZone))
		c, err = create.Save(ctx)
		return c, true, err
	}
	if err != nil {
		return nil, false, err
	}
	upd, changed := tx.Customer.UpdateOne(c), false
	if in.FirstName != nil && strings.TrimSpace(*in.FirstName) != c.FirstName {
		upd.SetFirstName(strings.TrimSpace(*in.FirstName))
		changed = true
	}
	if in.LastName != nil && strings.TrimSpace(*in.LastName) != c.LastName {
		upd.SetLastName(strings.TrimSpace(*in.LastName))
		changed = true
	}
	if ext := trimmed(in.ExternalID); ext != nil && (c.ExternalID == nil || *c.ExternalID != *ext) {
		upd.SetExternalID(*ext)
		changed = true
	}
	if tz := trimmed(in.TimeZone); tz != nil && (c.TimeZone == nil || *c.TimeZone != *tz) {
		upd.SetTimeZone(*tz)
		changed = true
	}
	if !changed {
		return c, false, nil
	}
	c, err = upd.Save(ctx)
	return c, true, err
}

func upsertProduct(ctx context.Context, tx *ent.Tx, it ItemInput) (int, bool, error) {
	p, err := tx.Product.Query().Where(product.Sku(it.Sku)).Only(ctx)
	if ent.IsNotFound(err) {
		create := tx.Product.Create().SetSku(it.Sku).SetName(it.Name).
			SetNillableImageURL(trimmed(it.ImageURL)).SetNillableReorderIntervalDays(it.ReorderIntervalDays)
		if it.Category != nil {
			create.SetCategory(strings.TrimSpace(*it.Category))
		}
		p, err = create.Save(ctx)
		if err != nil {
			return 0, false, err
		}
		return p.ID, true, nil
	}
	if err != nil {
		return 0, false, err
	}
	upd, changed := tx.Product.UpdateOne(p), false
	if p.Name != it.Name {
		upd.SetName(it.Name)
		changed = true
	}
	if img := trimmed(it.ImageURL); img != nil && (p.ImageURL == nil || *p.ImageURL != *img) {
		upd.SetImageURL(*img)
		changed = true
	}
	if it.Category != nil && strings.TrimSpace(*it.Category) != p.Category {
		upd.SetCategory(strings.TrimSpace(*it.Category))
		changed = true
	}
	if it.ReorderIntervalDays != nil && (p.ReorderIntervalDays == nil || *p.ReorderIntervalDays != *it.ReorderIntervalDays) {
		upd.SetReorderIntervalDays(*it.ReorderIntervalDays)
		changed = true
	}
	if changed {
		if err := upd.Exec(ctx); err != nil {
			return 0, false, err
		}
	}
	return p.ID, changed, nil
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil
	}
	return &t
}
