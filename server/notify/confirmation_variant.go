package notify

import "time"

// Variant is which of the order confirmation's five versions a message
// is (issue 13: "Five variants, chosen by rule"). Every variant keeps the
// confirmation's required contents; a variant adds one block.
type Variant string

// The order confirmation's variants, in the rule's precedence.
const (
	// VariantReassurance: a customer who contacted support lately, or
	// whose previous parcel was late, gets the tracking link up front and
	// what happens next, step by step.
	VariantReassurance Variant = "REASSURANCE"
	// VariantWelcome: a customer's first order gets a warm welcome.
	VariantWelcome Variant = "WELCOME"
	// VariantEnticing: the journey's coupon and the customer's referral
	// code, when there is either.
	VariantEnticing Variant = "ENTICING"
	// VariantSimilar: products that go with what was bought (the
	// products' complements, else the category's bestsellers).
	VariantSimilar Variant = "SIMILAR"
	// VariantPlain: the confirmation and nothing more.
	VariantPlain Variant = "PLAIN"
)

// Variants are the confirmation's variants in the rule's precedence.
var Variants = []Variant{VariantReassurance, VariantWelcome, VariantEnticing, VariantSimilar, VariantPlain}

// ReassuranceWindow is how recent a support contact must be for the
// reassuring variant: a customer who wrote a month ago about a parcel is
// still wary; one who called last spring is not.
const ReassuranceWindow = 30 * 24 * time.Hour

// bestsellerWindow is how far back the category's bestsellers are
// counted: what sells now, not what sold in 2019.
const bestsellerWindow = 90 * 24 * time.Hour

// maxSuggestions bounds the similar items a confirmation shows.
const maxSuggestions = 3

// confirmationFacts are what the variant rule looks at, read when the
// confirmation is rendered (confirmation_facts.go).
type confirmationFacts struct {
	// firstOrder: the customer has no order placed before this one.
	firstOrder bool
	// supportContact: the customer contacted support within
	// ReassuranceWindow before the rendering.
	supportContact bool
	// lateParcel: the customer's previous order had a late parcel (a
	// delay notice went out, an exception, or delivered on a day after
	// its first estimate).
	lateParcel bool
	// coupon is the journey's coupon code ("" when none is set);
	// referralCode the customer's ("" before they were issued one).
	coupon, referralCode string
	// suggestions is how many similar or complementary items there are.
	suggestions int
}

// chooseVariant is the confirmation's variant rule: exactly one variant,
// the first that applies in this order of precedence, because the
// earlier ones answer a stronger need:
//
//  1. REASSURANCE when the customer contacted support lately or their
//     previous parcel was late: a worried customer wants to know the
//     order is in hand before anything else, and an offer would read as
//     tone-deaf.
//  2. WELCOME for a first order: a new customer is welcomed, not sold to.
//  3. ENTICING when there is a coupon (journey setting couponCode) or the
//     customer has a referral code to share.
//  4. SIMILAR when something goes with what was bought (the products'
//     complements, else bestsellers of their categories).
//  5. PLAIN otherwise.
//
// It is a pure function of the facts, so the same history always gets
// the same variant.
func chooseVariant(f confirmationFacts) Variant {
	switch {
	case f.supportContact || f.lateParcel:
		return VariantReassurance
	case f.firstOrder:
		return VariantWelcome
	case f.coupon != "" || f.referralCode != "":
		return VariantEnticing
	case f.suggestions > 0:
		return VariantSimilar
	default:
		return VariantPlain
	}
}
