package orders

// The validation half of Import: an ImportInput checked and its amounts
// parsed before any write, so a bad import fails on its first bad field
// with nothing written.

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/money"
)

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
