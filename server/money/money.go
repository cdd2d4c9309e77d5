package money

import (
	"fmt"
	"math"
	"math/bits"
	"strings"

	"golang.org/x/text/currency"

	"github.com/aftercart/aftercart/server/errs"
)

// Money is an exact amount: Minor units of Currency (1234 EUR is €12.34).
//
// Currency is an upper-case ISO 4217 code accepted by [ParseCurrency]. The
// zero Money has no currency and is not a valid amount.
type Money struct {
	// Minor is the amount in the currency's minor unit (see [Scale]).
	Minor int64
	// Currency is the ISO 4217 code, upper case.
	Currency string
}

// maxAmountLen bounds the amount strings Parse reads. The largest amount has
// 19 digits; the bound leaves room for a sign, a point and some leading zeros
// while keeping a hostile megabyte out of error messages.
const maxAmountLen = 32

// scales maps each accepted currency code to its number of minor digits. It is
// built once because x/text's Query walks every region on each call.
var scales = func() map[string]int {
	m := make(map[string]int)
	for it := currency.Query(); it.Next(); {
		u := it.Unit()
		scale, _ := currency.Standard.Rounding(u)
		m[u.String()] = scale
	}
	return m
}()

// ParseCurrency validates an ISO 4217 currency code and returns it in upper
// case ("eur" → "EUR"). Unknown, historical and non-tender codes are an
// INVALID_INPUT error (see the package documentation for the accepted set).
func ParseCurrency(code string) (string, error) {
	// Only ASCII letters: strings.ToUpper alone would turn "uſd" (long s) into
	// "USD" and accept it.
	if len(code) != 3 || !isASCIILetter(code[0]) || !isASCIILetter(code[1]) || !isASCIILetter(code[2]) {
		if len(code) > maxAmountLen {
			return "", errs.Invalid("currencyCode", "must be a 3-letter ISO 4217 code")
		}
		return "", errs.Invalid("currencyCode", "%q is not a 3-letter ISO 4217 code", code)
	}
	upper := strings.ToUpper(code)
	if _, ok := scales[upper]; !ok {
		return "", errs.Invalid("currencyCode", "%q is not a supported ISO 4217 currency", code)
	}
	return upper, nil
}

func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// Scale returns the number of minor digits of currency (JPY 0, USD 2, KWD 3),
// or -1 if [ParseCurrency] would reject it. Lower-case codes are accepted.
func Scale(currency string) int {
	code, err := ParseCurrency(currency)
	if err != nil {
		return -1
	}
	return scales[code]
}

// Parse reads a decimal amount of currency exactly: "12", "12.3", "12.30" and
// "-0.50" are accepted. Leading zeros are allowed; a sign other than a leading
// "-", exponents, thousands separators, spaces, and a point without digits on
// both sides (".5", "5.") are not. The fraction may not have more digits than
// the currency's [Scale], even zeros ("1.230" USD is refused), so nothing is
// ever rounded. Amounts beyond ±(2^63-1) minor units are refused.
//
// Every failure is an *errs.Error with code INVALID_INPUT and Field "amount"
// or "currencyCode"; callers may replace Field with the full input path.
func Parse(amount, currency string) (Money, error) {
	code, err := ParseCurrency(currency)
	if err != nil {
		return Money{}, err
	}
	minor, err := parseMinor(amount, code, scales[code])
	if err != nil {
		return Money{}, err
	}
	return Money{Minor: minor, Currency: code}, nil
}

// ParseNonNegative is [Parse] for prices, payments and other amounts that
// cannot be below zero: a negative amount is INVALID_INPUT. "-0" is zero and
// accepted.
func ParseNonNegative(amount, currency string) (Money, error) {
	m, err := Parse(amount, currency)
	if err != nil {
		return Money{}, err
	}
	if m.Minor < 0 {
		return Money{}, errs.Invalid("amount", "%q must not be negative", amount)
	}
	return m, nil
}

func parseMinor(s, code string, scale int) (int64, error) {
	if s == "" {
		return 0, errs.Invalid("amount", "must not be empty")
	}
	if len(s) > maxAmountLen {
		return 0, errs.Invalid("amount", "is too long (at most %d characters)", maxAmountLen)
	}
	digits, neg := s, false
	if digits[0] == '-' {
		digits, neg = digits[1:], true
	}
	whole, frac, hasPoint := strings.Cut(digits, ".")
	if !isDigits(whole) || hasPoint && !isDigits(frac) {
		return 0, errs.Invalid("amount", "%q is not a decimal number like \"12.30\"", s)
	}
	if len(frac) > scale {
		return 0, errs.Invalid("amount", "%q has more decimals than %s allows (%d)", s, code, scale)
	}

	// Accumulate whole, frac and the missing fraction zeros as one integer,
	// refusing to pass MaxInt64 so the result can be negated safely.
	var v uint64
	push := func(d uint64) bool {
		if v > (math.MaxInt64-d)/10 {
			return false
		}
		v = v*10 + d
		return true
	}
	ok := true
	for i := 0; ok && i < len(whole); i++ {
		ok = push(uint64(whole[i] - '0'))
	}
	for i := 0; ok && i < len(frac); i++ {
		ok = push(uint64(frac[i] - '0'))
	}
	for i := len(frac); ok && i < scale; i++ {
		ok = push(0)
	}
	if !ok {
		return 0, errs.Invalid("amount", "%q is out of range for %s", s, code)
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Amount formats m as the API shows it: a decimal string with exactly the
// currency's number of minor digits ("12.30", "0.05", "-0.50", "1200" for JPY).
//
// Amount panics if m.Currency is not accepted by [ParseCurrency]: without a
// scale the digits cannot be placed, and a wrong guess would show an amount off
// by a power of ten. Such a Money can only come from a bypassed validation.
func (m Money) Amount() string {
	scale := Scale(m.Currency)
	if scale < 0 {
		panic(fmt.Sprintf("money: Amount of unsupported currency %q", m.Currency))
	}
	return format(m.Minor, scale)
}

// format writes the digits right to left into a buffer on the stack, so
// that an amount costs one allocation, its string: the API formats every
// price of every response.
func format(minor int64, scale int) string {
	mag := uint64(minor)
	if minor < 0 {
		mag = -mag // two's complement, so MinInt64 works too
	}
	// 20 digits, a sign and a point, or a scale's leading zeros (ISO 4217
	// scales are at most 4).
	var buf [32]byte
	i := len(buf)
	for d := 0; mag > 0 || d <= scale; d++ {
		if d == scale && scale > 0 {
			i--
			buf[i] = '.'
		}
		i--
		buf[i] = byte('0' + mag%10)
		mag /= 10
	}
	if minor < 0 {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// String returns the amount and currency, "12.30 EUR", for logs and messages.
// Unlike [Money.Amount] it does not panic on an unsupported currency.
func (m Money) String() string {
	if Scale(m.Currency) < 0 {
		return fmt.Sprintf("%d minor units of %q", m.Minor, m.Currency)
	}
	return m.Amount() + " " + m.Currency
}

// Add returns m + o. Different currencies and results beyond ±(2^63-1) minor
// units are INVALID_INPUT errors; amounts never wrap around.
func (m Money) Add(o Money) (Money, error) {
	if err := sameCurrency(m, o); err != nil {
		return Money{}, err
	}
	if o.Minor > 0 && m.Minor > math.MaxInt64-o.Minor || o.Minor < 0 && m.Minor < -math.MaxInt64-o.Minor {
		return Money{}, errOutOfRange(m.Currency)
	}
	return Money{Minor: m.Minor + o.Minor, Currency: m.Currency}, nil
}

// Sub returns m - o, with the same checks as [Money.Add].
func (m Money) Sub(o Money) (Money, error) {
	// -o.Minor cannot overflow: Parse and the arithmetic here never produce
	// MinInt64, and a hand-built one is refused.
	if o.Minor == math.MinInt64 {
		return Money{}, errOutOfRange(m.Currency)
	}
	return m.Add(Money{Minor: -o.Minor, Currency: o.Currency})
}

// Mul returns m × n, for example a unit price times a quantity. A result
// beyond ±(2^63-1) minor units is an INVALID_INPUT error.
func (m Money) Mul(n int64) (Money, error) {
	hi, lo := bits.Mul64(abs(m.Minor), abs(n))
	if hi != 0 || lo > math.MaxInt64 {
		return Money{}, errOutOfRange(m.Currency)
	}
	p := int64(lo)
	if (m.Minor < 0) != (n < 0) {
		p = -p
	}
	return Money{Minor: p, Currency: m.Currency}, nil
}

func abs(x int64) uint64 {
	if x < 0 {
		return -uint64(x)
	}
	return uint64(x)
}

func sameCurrency(a, b Money) error {
	if a.Currency != b.Currency {
		return errs.Invalid("currencyCode", "cannot combine %s with %s", b.Currency, a.Currency)
	}
	return nil
}

func errOutOfRange(code string) error {
	return errs.Invalid("amount", "result is out of range for %s", code)
}
