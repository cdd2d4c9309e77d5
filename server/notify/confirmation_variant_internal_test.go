package notify

import (
	"testing"
	"time"
)

// TestChooseVariant is the confirmation's variant rule, fact by fact and
// in precedence: REASSURANCE > WELCOME > ENTICING > SIMILAR > PLAIN.
func TestChooseVariant(t *testing.T) {
	for _, c := range []struct {
		name string
		f    confirmationFacts
		want Variant
	}{
		{"nothing known", confirmationFacts{}, VariantPlain},
		{"first order", confirmationFacts{firstOrder: true}, VariantWelcome},
		{"contacted support", confirmationFacts{supportContact: true}, VariantReassurance},
		{"late parcel", confirmationFacts{lateParcel: true}, VariantReassurance},
		{"coupon", confirmationFacts{coupon: "THANKS10"}, VariantEnticing},
		{"referral code", confirmationFacts{referralCode: "ABC"}, VariantEnticing},
		{"suggestions", confirmationFacts{suggestions: 2}, VariantSimilar},
		{"support over first order", confirmationFacts{supportContact: true, firstOrder: true, coupon: "X", suggestions: 1}, VariantReassurance},
		{"first order over coupon", confirmationFacts{firstOrder: true, coupon: "X", referralCode: "R", suggestions: 3}, VariantWelcome},
		{"coupon over suggestions", confirmationFacts{coupon: "X", suggestions: 3}, VariantEnticing},
	} {
		if got := chooseVariant(c.f); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// TestAfterDay: a parcel delivered on its estimated day is on time, one
// delivered the next day is late, days as they are where the customer
// lives: 01:00 UTC on the 6th is still the evening of the 5th in Los
// Angeles.
func TestAfterDay(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	est := time.Date(2026, 11, 5, 18, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at   time.Time
		loc  *time.Location
		late bool
	}{
		{time.Date(2026, 11, 5, 23, 59, 0, 0, time.UTC), time.UTC, false},
		{time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC), time.UTC, false},
		{time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC), time.UTC, true},
		{time.Date(2026, 11, 6, 1, 0, 0, 0, time.UTC), la, false},
		{time.Date(2026, 11, 6, 8, 0, 0, 0, time.UTC), la, true}, // midnight in Los Angeles
	} {
		if got := afterDay(c.at, est, c.loc); got != c.late {
			t.Errorf("delivered %s, estimate %s, in %s: late %v, want %v", c.at, est, c.loc, got, c.late)
		}
	}
}

// TestConfirmationSamplesCoverEveryVariant: the samples Validate renders
// include each variant once.
func TestConfirmationSamplesCoverEveryVariant(t *testing.T) {
	seen := map[Variant]bool{}
	for _, s := range kinds["ORDER_CONFIRMATION"].variants {
		seen[s.(OrderConfirmation).Variant] = true
	}
	for _, v := range Variants {
		if !seen[v] {
			t.Errorf("no sample of the %s variant", v)
		}
	}
}
