package loyalty_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/loyalty"
)

func TestNormalizeEmail(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Mina@Example.com", "mina@example.com"},
		{" mina+referral@example.com ", "mina@example.com"},
		{"m.i.n.a@gmail.com", "mina@gmail.com"},
		{"M.ina+x@GoogleMail.com", "mina@gmail.com"},
		// Dots matter outside Gmail.
		{"m.ina@example.com", "m.ina@example.com"},
		{"not-an-email", "not-an-email"},
	} {
		if got := loyalty.NormalizeEmail(c.in); got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNormalizeAddress(t *testing.T) {
	base := types.Address{Name: "Mina Ota", Line1: "12 Main Street", Line2: "Apt. 4", City: "Berlin", PostalCode: "10115", CountryCode: "DE"}
	same := []types.Address{
		{Name: "Someone Else", Line1: "12 main st.", Line2: "apartment 4", City: "BERLIN", PostalCode: "10 115", CountryCode: "de"},
		{Line1: "12  MAIN   STREET, Apt 4", City: "Berlin-Mitte", PostalCode: "10115", CountryCode: "DE"},
	}
	for _, a := range same {
		if loyalty.NormalizeAddress(a) != loyalty.NormalizeAddress(base) {
			t.Errorf("%+v: %q, want %q", a, loyalty.NormalizeAddress(a), loyalty.NormalizeAddress(base))
		}
	}
	different := []types.Address{
		{Line1: "14 Main Street", Line2: "Apt. 4", PostalCode: "10115", CountryCode: "DE"},
		{Line1: "12 Main Street", Line2: "Apt. 5", PostalCode: "10115", CountryCode: "DE"},
		{Line1: "12 Main Street", Line2: "Apt. 4", PostalCode: "10117", CountryCode: "DE"},
		{Line1: "12 Main Street", Line2: "Apt. 4", PostalCode: "10115", CountryCode: "AT"},
	}
	for _, a := range different {
		if loyalty.NormalizeAddress(a) == loyalty.NormalizeAddress(base) {
			t.Errorf("%+v reads as the same address as %+v", a, base)
		}
	}
	for _, c := range []struct {
		a, b types.Address
	}{
		// Accents, the German street suffix, and the city standing in for
		// a missing postal code.
		{types.Address{Line1: "Hauptstraße 5", PostalCode: "1010", CountryCode: "AT"}, types.Address{Line1: "Hauptstr. 5", PostalCode: "1010", CountryCode: "AT"}},
		{types.Address{Line1: "Rue de l'Église 3", City: "Liège", CountryCode: "BE"}, types.Address{Line1: "rue de l eglise 3", City: "LIEGE", CountryCode: "be"}},
	} {
		if ka, kb := loyalty.NormalizeAddress(c.a), loyalty.NormalizeAddress(c.b); ka != kb {
			t.Errorf("%q != %q", ka, kb)
		}
	}
	if k := loyalty.NormalizeAddress(types.Address{City: "Berlin", CountryCode: "DE"}); k != "" {
		t.Errorf("no street: key %q, want none", k)
	}
}

func TestCardKey(t *testing.T) {
	visa := types.PaymentMethod{Kind: "card", Brand: "Visa", Last4: "4242"}
	for _, c := range []struct {
		p         types.PaymentMethod
		holder    string
		want      string
		sameAsRef bool
	}{
		{visa, "Mina Ota", "4242|mina ota", true},
		{visa, "OTA, Míná", "4242|mina ota", true},
		{types.PaymentMethod{Kind: "card", Brand: "Mastercard", Last4: "4242"}, "Mina Ota", "4242|mina ota", true},
		{visa, "Ana Ota", "4242|ana ota", false},
		{types.PaymentMethod{Kind: "paypal"}, "Mina Ota", "", false},
		{visa, "  ", "", false},
	} {
		got := loyalty.CardKey(c.p, c.holder)
		if got != c.want {
			t.Errorf("CardKey(%+v, %q) = %q, want %q", c.p, c.holder, got, c.want)
		}
	}
}

func TestHoldReasons(t *testing.T) {
	home := types.Address{Name: "Mina Ota", Line1: "12 Main Street", PostalCode: "10115", CountryCode: "DE"}
	other := types.Address{Name: "Ana Lee", Line1: "3 Side Road", PostalCode: "20095", CountryCode: "DE"}
	visa := types.PaymentMethod{Kind: "card", Brand: "Visa", Last4: "4242"}
	amex := types.PaymentMethod{Kind: "card", Brand: "Amex", Last4: "0005"}
	referrer := loyalty.Party{Email: "mina@gmail.com", Name: "Mina Ota", Orders: []loyalty.PartyOrder{{home, visa}}}
	clean := loyalty.Party{Email: "ana@example.com", Name: "Ana Lee", Orders: []loyalty.PartyOrder{{other, amex}}}
	for _, c := range []struct {
		name   string
		facts  loyalty.ReferralFacts
		reason []string
	}{
		{"a real friend", loyalty.ReferralFacts{Referrer: referrer, Friend: clean}, nil},
		{"a friend with no order yet", loyalty.ReferralFacts{Referrer: referrer, Friend: loyalty.Party{Email: "ana@example.com"}}, nil},
		{"the same mailbox", loyalty.ReferralFacts{Referrer: referrer, Friend: loyalty.Party{Email: "M.I.N.A+2@googlemail.com", Orders: clean.Orders}},
			[]string{"the friend's email is the referrer's mailbox under another spelling"}},
		{"the same address", loyalty.ReferralFacts{Referrer: referrer, Friend: loyalty.Party{Email: "ana@example.com", Name: "Ana Lee",
			Orders: []loyalty.PartyOrder{{types.Address{Name: "Ana Lee", Line1: "12 main st", PostalCode: "10115", CountryCode: "de"}, amex}}}},
			[]string{"the friend's first order ships to an address the referrer has used"}},
		{"the same card under the referrer's name", loyalty.ReferralFacts{Referrer: referrer, Friend: loyalty.Party{Email: "ana@example.com", Name: "Ana Lee",
			Orders: []loyalty.PartyOrder{{types.Address{Name: "Mina Ota", Line1: "3 Side Road", PostalCode: "20095", CountryCode: "DE"}, visa}}}},
			[]string{"the friend paid with a card (last four digits and name) the referrer has used"}},
		// Same last four, different holder: a coincidence one in 10,000
		// cards share, not a signal.
		{"the same last four, another name", loyalty.ReferralFacts{Referrer: referrer, Friend: loyalty.Party{Email: "ana@example.com", Name: "Ana Lee",
			Orders: []loyalty.PartyOrder{{other, visa}}}}, nil},
		{"the cap reached", loyalty.ReferralFacts{Referrer: referrer, Friend: clean, PaidThisWeek: 5, WeeklyCap: 5},
			[]string{"the referrer has reached the cap of referral rewards for 7 days"}},
		{"under the cap", loyalty.ReferralFacts{Referrer: referrer, Friend: clean, PaidThisWeek: 4, WeeklyCap: 5}, nil},
		{"no cap", loyalty.ReferralFacts{Referrer: referrer, Friend: clean, PaidThisWeek: 500}, nil},
		{"everything at once", loyalty.ReferralFacts{Referrer: referrer, Friend: loyalty.Party{Email: "mina+x@gmail.com", Name: "Mina Ota",
			Orders: []loyalty.PartyOrder{{home, visa}}}, PaidThisWeek: 1, WeeklyCap: 1}, []string{
			"the friend's email is the referrer's mailbox under another spelling",
			"the friend's first order ships to an address the referrer has used",
			"the friend paid with a card (last four digits and name) the referrer has used",
			"the referrer has reached the cap of referral rewards for 7 days",
		}},
	} {
		if got := loyalty.HoldReasons(c.facts); !slices.Equal(got, c.reason) {
			t.Errorf("%s: %q, want %q", c.name, got, c.reason)
		}
	}
}

func TestReferralDue(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	before, after := now.Add(-time.Second), now.Add(time.Second)
	for _, c := range []struct {
		name string
		o    loyalty.FirstOrderState
		want loyalty.ReferralOutcome
	}{
		{"in transit", loyalty.FirstOrderState{Status: types.OrderShipped}, loyalty.ReferralWaits},
		{"delivered, window open", loyalty.FirstOrderState{Status: types.OrderDelivered, ReturnWindowEndsAt: &after}, loyalty.ReferralWaits},
		{"delivered, window closes now", loyalty.FirstOrderState{Status: types.OrderDelivered, ReturnWindowEndsAt: &now}, loyalty.ReferralPays},
		{"delivered, window closed", loyalty.FirstOrderState{Status: types.OrderDelivered, ReturnWindowEndsAt: &before}, loyalty.ReferralPays},
		{"delivered, no window recorded", loyalty.FirstOrderState{Status: types.OrderDelivered}, loyalty.ReferralWaits},
		{"returned in the window", loyalty.FirstOrderState{Status: types.OrderDelivered, ReturnWindowEndsAt: &after, Returned: true}, loyalty.ReferralVoid},
		{"returned, window closed", loyalty.FirstOrderState{Status: types.OrderDelivered, ReturnWindowEndsAt: &before, Returned: true}, loyalty.ReferralVoid},
		{"returned before delivery", loyalty.FirstOrderState{Status: types.OrderShipped, Returned: true}, loyalty.ReferralVoid},
	} {
		if got := loyalty.ReferralDue(c.o, now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestValidReferralCode(t *testing.T) {
	code := loyalty.NewCode(loyalty.ReferralCodeLen)
	for _, c := range []struct {
		in   string
		want bool
	}{
		{code, true},
		{loyalty.NormalizeCode("k7q2-m9xd"), true},
		{loyalty.NormalizeCode("olil-0000"), true},
		{"K7Q2M9X", false},
		{"K7Q2M9XDD", false},
		{"K7Q2M9XU", false},
		{"", false},
		{"K7Q2M9X!", false},
	} {
		if got := loyalty.ValidReferralCode(c.in); got != c.want {
			t.Errorf("ValidReferralCode(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
