package types

import "strings"

// Address is a postal address as the store captured it at checkout. It is
// stored as JSON on the order because it is a snapshot: editing the
// customer's address book later must not rewrite where a parcel was sent.
type Address struct {
	// Name is the recipient's full name.
	Name string `json:"name"`
	// Line1 is the street address.
	Line1 string `json:"line1"`
	// Line2 is the apartment, suite or unit, if any.
	Line2 string `json:"line2,omitempty"`
	// City is the city or town.
	City string `json:"city"`
	// Region is the state, province or county, if the country uses one.
	Region string `json:"region,omitempty"`
	// PostalCode is the ZIP or postal code.
	PostalCode string `json:"postalCode,omitempty"`
	// CountryCode is the ISO 3166-1 alpha-2 country code.
	CountryCode string `json:"countryCode"`
	// Phone is the recipient's phone number for the carrier, if given.
	Phone string `json:"phone,omitempty"`
}

// PaymentMethod summarizes how an order was paid, enough to show
// "Visa •••• 4242" and never enough to charge it.
type PaymentMethod struct {
	// Kind is the payment type, e.g. "card", "paypal", "gift_card".
	Kind string `json:"kind"`
	// Brand is the card network or wallet name, e.g. "Visa".
	Brand string `json:"brand,omitempty"`
	// Last4 is the last four digits of the card, if it is a card.
	Last4 string `json:"last4,omitempty"`
}

// Summary renders the method for display: "Visa •••• 4242", or the brand or
// kind alone when there are no digits.
func (p PaymentMethod) Summary() string {
	name := p.Brand
	if name == "" {
		name = strings.ReplaceAll(p.Kind, "_", " ")
		if name != "" {
			name = strings.ToUpper(name[:1]) + name[1:]
		}
	}
	if p.Last4 == "" {
		return name
	}
	return strings.TrimSpace(name + " •••• " + p.Last4)
}
