package loyalty

import (
	"crypto/rand"
	"math/big"
	"sort"
	"strings"
	"time"
)

// The program's rules as pure functions (as tracking.Fold and
// orders.DeriveStatus are): the transaction code reads rows, calls these,
// and writes what they say.

// Allocate splits what the customer paid for the items (the line amounts
// less the order's discount) across the lines in proportion to their
// amounts, by largest remainder, so the shares sum exactly to
// max(0, Σ amounts − discount) and no rounding creates or loses a cent.
func Allocate(amounts []int64, discount int64) []int64 {
	out := make([]int64, len(amounts))
	var total int64
	for _, a := range amounts {
		total += a
	}
	paid := total - max(discount, 0)
	if total <= 0 || paid <= 0 {
		return out
	}
	type rem struct {
		i int
		r *big.Int
	}
	rems := make([]rem, len(amounts))
	var given int64
	T, P := big.NewInt(total), big.NewInt(paid)
	for i, a := range amounts {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(a), P), T, new(big.Int))
		out[i] = q.Int64()
		given += out[i]
		rems[i] = rem{i, r}
	}
	// Ties go to the earlier line, so the split is deterministic.
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r.Cmp(rems[b].r) > 0 })
	for k := 0; given < paid; k++ {
		out[rems[k].i]++
		given++
	}
	return out
}

// Line is an order line as the program sees it.
type Line struct {
	// Paid is the line's share of what was paid for the items (Allocate).
	Paid int64
	// Quantity is the units ordered; Returned the units sent back.
	Quantity, Returned int
}

// KeptPaid is what the customer paid for the units they kept: each line's
// paid share in proportion to its kept units, rounded down per line.
func KeptPaid(lines []Line) int64 {
	var sum int64
	for _, l := range lines {
		if l.Quantity <= 0 {
			continue
		}
		kept := int64(min(max(l.Quantity-l.Returned, 0), l.Quantity))
		sum += l.Paid * kept / int64(l.Quantity)
	}
	return sum
}

// EarnedPoints is the points an amount paid earns: one point per whole
// currency unit (scale is the currency's number of minor digits), times
// the tier's multiplier in hundredths, rounded down.
func EarnedPoints(paidMinor int64, scale, multiplierPercent int) int64 {
	if paidMinor <= 0 || multiplierPercent <= 0 {
		return 0
	}
	unit := int64(1)
	for range scale {
		unit *= 10
	}
	return paidMinor * int64(multiplierPercent) / (100 * unit)
}

// ReturnShare is the points a return takes back from an order's entry of
// earned points for paid (the kept amount when it was earned): the
// difference between the entry's share of the kept amount before and
// after the return. Successive returns telescope, so they sum exactly to
// the entry's points when everything comes back, whatever the rounding.
func ReturnShare(earned, paid, keptBefore, keptAfter int64) int64 {
	if paid <= 0 || earned <= 0 {
		return 0
	}
	share := func(kept int64) int64 {
		kept = min(max(kept, 0), paid)
		return new(big.Int).Div(new(big.Int).Mul(big.NewInt(earned), big.NewInt(kept)), big.NewInt(paid)).Int64()
	}
	return share(keptBefore) - share(keptAfter)
}

// Tier is a tier as the rules see it.
type Tier struct {
	ID                int
	Name              string
	Threshold         int64
	MultiplierPercent int
}

// sortedTiers returns tiers by threshold, lowest first.
func sortedTiers(tiers []Tier) []Tier {
	ts := append([]Tier(nil), tiers...)
	sort.Slice(ts, func(a, b int) bool { return ts[a].Threshold < ts[b].Threshold })
	return ts
}

// TierFor is the highest tier spend reaches, or nil below every threshold.
func TierFor(tiers []Tier, spend int64) *Tier {
	var got *Tier
	for _, t := range sortedTiers(tiers) {
		if spend >= t.Threshold {
			t := t
			got = &t
		}
	}
	return got
}

// NextTier is the lowest tier above what spend reaches and how much more
// spend reaches it; nil at the top.
func NextTier(tiers []Tier, spend int64) (*Tier, int64) {
	for _, t := range sortedTiers(tiers) {
		if t.Threshold > spend {
			return &t, t.Threshold - spend
		}
	}
	return nil, 0
}

// Spend is qualifying spend at a moment (an order's kept amount at its
// delivery).
type Spend struct {
	At    time.Time
	Minor int64
}

// Window is how long spend qualifies.
func windowStart(now time.Time) time.Time { return now.AddDate(-1, 0, 0) }

// rollOff is when spend at t leaves the window.
func rollOff(t time.Time) time.Time { return t.AddDate(1, 0, 0) }

// RollingSpend is the qualifying spend in the 12 months up to now: spend
// at t counts while windowStart(now) < t ≤ now.
func RollingSpend(spends []Spend, now time.Time) int64 {
	var sum int64
	from := windowStart(now)
	for _, s := range spends {
		if s.At.After(from) && !s.At.After(now) {
			sum += s.Minor
		}
	}
	return sum
}

// NextRollOff is the first moment after now at which some spend leaves
// the window (the tier must be recomputed then), or nil when none will.
func NextRollOff(spends []Spend, now time.Time) *time.Time {
	var next *time.Time
	from := windowStart(now)
	for _, s := range spends {
		if s.At.After(from) && !s.At.After(now) {
			r := rollOff(s.At)
			if next == nil || r.Before(*next) {
				next = &r
			}
		}
	}
	return next
}

// KeepTier says what it takes to keep a tier with the given threshold: the
// first moment its spend rolls off below the threshold (by), and what must
// be spent before then to stay (need). ok is false when the tier cannot
// lapse (a threshold of 0) or is not held now.
func KeepTier(threshold int64, spends []Spend, now time.Time) (need int64, by time.Time, ok bool) {
	if threshold <= 0 {
		return 0, time.Time{}, false
	}
	in := make([]Spend, 0, len(spends))
	from := windowStart(now)
	var remaining int64
	for _, s := range spends {
		if s.At.After(from) && !s.At.After(now) {
			in = append(in, s)
			remaining += s.Minor
		}
	}
	if remaining < threshold {
		return 0, time.Time{}, false
	}
	sort.Slice(in, func(a, b int) bool { return in[a].At.Before(in[b].At) })
	for i := 0; i < len(in); {
		r := rollOff(in[i].At)
		// Spend at the same instant rolls off together.
		for ; i < len(in) && rollOff(in[i].At).Equal(r); i++ {
			remaining -= in[i].Minor
		}
		if remaining < threshold {
			return threshold - remaining, r, true
		}
	}
	return 0, time.Time{}, false
}

// Inactive reports whether available points expire: no activity for
// period since last (a zero period never expires).
func Inactive(last time.Time, period time.Duration, now time.Time) bool {
	return period > 0 && !last.IsZero() && !now.Before(last.Add(period))
}

// codeAlphabet is Crockford's base32: 32 symbols (5 bits, and 256 is a
// multiple of 32, so a random byte maps without bias) with no I, L, O or
// U; NormalizeCode reads the look-alikes a customer may type.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLen is a reward code's length: 16 symbols of 5 bits, 80 random bits.
const CodeLen = 16

// NewCode returns a reward or referral code of n symbols from crypto/rand.
func NewCode(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// NormalizeCode reads a code as typed: case, spaces and dashes do not
// matter, and O, I and L read as 0, 1 and 1 (Crockford's decoding).
func NormalizeCode(s string) string {
	out := make([]byte, 0, len(s))
	for _, c := range []byte(strings.ToUpper(s)) {
		switch c {
		case ' ', '-':
			continue
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		out = append(out, c)
	}
	return string(out)
}
