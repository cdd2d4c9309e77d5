package loyalty

import (
	"strings"
	"testing"
	"time"
)

func TestAllocate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		amounts  []int64
		discount int64
		want     []int64
	}{
		{"no discount", []int64{1000, 250}, 0, []int64{1000, 250}},
		{"proportional", []int64{3000, 1000}, 400, []int64{2700, 900}},
		{"remainder to the largest fraction", []int64{100, 100, 100}, 100, []int64{67, 67, 66}},
		{"discount over the total", []int64{500}, 900, []int64{0}},
		{"negative discount ignored", []int64{500}, -5, []int64{500}},
		{"empty", nil, 0, []int64{}},
	} {
		got := Allocate(tc.amounts, tc.discount)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		var sum, total int64
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
			sum += got[i]
			total += tc.amounts[i]
		}
		if wantSum := max(total-max(tc.discount, 0), 0); sum != wantSum {
			t.Errorf("%s: shares sum to %d, want %d", tc.name, sum, wantSum)
		}
	}
}

func TestEarnedPoints(t *testing.T) {
	for _, tc := range []struct {
		paid        int64
		scale, mult int
		want        int64
	}{
		{4999, 2, 100, 49},   // €49.99 at 1×
		{4999, 2, 150, 74},   // 1.5× of 49.99 = 74.985
		{4999, 0, 100, 4999}, // JPY has no minor unit
		{50, 3, 100, 0},      // 0.050 KWD
		{0, 2, 100, 0},
		{1000, 2, 0, 0},
	} {
		if got := EarnedPoints(tc.paid, tc.scale, tc.mult); got != tc.want {
			t.Errorf("EarnedPoints(%d, %d, %d) = %d, want %d", tc.paid, tc.scale, tc.mult, got, tc.want)
		}
	}
}

// TestReturnShareTelescopes: returning an order unit by unit reverses
// exactly what it earned, whatever the rounding of each step.
func TestReturnShareTelescopes(t *testing.T) {
	lines := []Line{{Paid: 3333, Quantity: 3}, {Paid: 1001, Quantity: 7}}
	paid := KeptPaid(lines)
	earned := EarnedPoints(paid, 2, 125)
	var reversed int64
	for i := range lines {
		for lines[i].Returned < lines[i].Quantity {
			before := KeptPaid(lines)
			lines[i].Returned++
			reversed += ReturnShare(earned, paid, before, KeptPaid(lines))
		}
	}
	if reversed != earned {
		t.Fatalf("returning everything reversed %d of %d points", reversed, earned)
	}
	if got := ReturnShare(100, 1000, 1000, 500); got != 50 {
		t.Errorf("half returned: %d, want 50", got)
	}
	if got := ReturnShare(0, 1000, 1000, 0); got != 0 {
		t.Errorf("nothing earned: %d", got)
	}
}

func TestKeptPaid(t *testing.T) {
	if got := KeptPaid([]Line{{Paid: 1000, Quantity: 4, Returned: 1}, {Paid: 99, Quantity: 1, Returned: 5}}); got != 750 {
		t.Fatalf("KeptPaid = %d, want 750", got)
	}
}

var testTiers = []Tier{
	{ID: 3, Name: "Gold", Threshold: 150000, MultiplierPercent: 150},
	{ID: 1, Name: "Bronze", Threshold: 0, MultiplierPercent: 100},
	{ID: 2, Name: "Silver", Threshold: 50000, MultiplierPercent: 125},
}

func TestTiers(t *testing.T) {
	for _, tc := range []struct {
		spend   int64
		tier    string
		next    string
		toReach int64
	}{
		{0, "Bronze", "Silver", 50000},
		{49999, "Bronze", "Silver", 1},
		{50000, "Silver", "Gold", 100000},
		{150000, "Gold", "", 0},
		{900000, "Gold", "", 0},
	} {
		tier := TierFor(testTiers, tc.spend)
		if tier == nil || tier.Name != tc.tier {
			t.Errorf("TierFor(%d) = %v, want %s", tc.spend, tier, tc.tier)
		}
		next, need := NextTier(testTiers, tc.spend)
		if name := func() string {
			if next == nil {
				return ""
			}
			return next.Name
		}(); name != tc.next || need != tc.toReach {
			t.Errorf("NextTier(%d) = %s %d, want %s %d", tc.spend, name, need, tc.next, tc.toReach)
		}
	}
	if TierFor([]Tier{{Name: "Silver", Threshold: 10}}, 5) != nil {
		t.Error("below every threshold: want no tier")
	}
}

func TestRollingSpendAndKeepTier(t *testing.T) {
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	spends := []Spend{
		{At: now.AddDate(-1, 0, -1), Minor: 90000}, // already rolled off
		{At: now.AddDate(0, -11, 0), Minor: 30000}, // rolls off in a month
		{At: now.AddDate(0, -6, 0), Minor: 30000},  // in six months
		{At: now.AddDate(0, -1, 0), Minor: 10000},  // in eleven months
		{At: now.AddDate(0, 0, 1), Minor: 99999},   // the future does not count
	}
	if got := RollingSpend(spends, now); got != 70000 {
		t.Fatalf("RollingSpend = %d, want 70000", got)
	}
	// Silver (50,000): after the first roll-off 40,000 remain, so 10,000
	// must be spent within the month.
	need, by, ok := KeepTier(50000, spends, now)
	if !ok || need != 10000 || !by.Equal(now.AddDate(0, -11, 0).AddDate(1, 0, 0)) {
		t.Fatalf("KeepTier(Silver) = %d by %v (%v)", need, by, ok)
	}
	// 40,000 holds through the first roll-off and lapses at the second.
	need, by, ok = KeepTier(40000, spends, now)
	if !ok || need != 30000 || !by.Equal(now.AddDate(0, -6, 0).AddDate(1, 0, 0)) {
		t.Fatalf("KeepTier(40000) = %d by %v (%v)", need, by, ok)
	}
	if _, _, ok := KeepTier(0, spends, now); ok {
		t.Error("a tier without threshold cannot lapse")
	}
	if _, _, ok := KeepTier(80000, spends, now); ok {
		t.Error("a tier not held cannot be kept")
	}
	if next := NextRollOff(spends, now); next == nil || !next.Equal(now.AddDate(0, -11, 0).AddDate(1, 0, 0)) {
		t.Errorf("NextRollOff = %v", next)
	}
	if NextRollOff(nil, now) != nil {
		t.Error("no spend: nothing rolls off")
	}
}

func TestInactive(t *testing.T) {
	last := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	year := 365 * 24 * time.Hour
	if Inactive(last, year, last.Add(year-time.Nanosecond)) {
		t.Error("expired a nanosecond early")
	}
	if !Inactive(last, year, last.Add(year)) {
		t.Error("did not expire at the end of the period")
	}
	if Inactive(last, 0, last.Add(100*year)) {
		t.Error("a zero period expires nothing")
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		c := NewCode(CodeLen)
		if len(c) != CodeLen || strings.Trim(c, codeAlphabet) != "" {
			t.Fatalf("bad code %q", c)
		}
		if seen[c] {
			t.Fatalf("code %q repeated", c)
		}
		seen[c] = true
	}
	if got := NormalizeCode(" abcd-ol1i "); got != "ABCD0111" {
		t.Fatalf("NormalizeCode = %q", got)
	}
}
