package loyalty

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/aftercart/aftercart/ent/schema/types"
)

// The referral rules as pure functions (see rules.go): normalization of
// what identifies a person (email, postal address, card + name), the fraud
// checks, and when a referral completes. referral.go reads rows, calls
// these and writes what they say.

// ReferralCodeLen is a referral code's length: 8 symbols of Crockford's
// base32 (40 bits). Short enough to say aloud or type from a poster; a
// guessed code only ever names a referrer, never pays (the friend's first
// order must be delivered and kept), so it needs no reward code's 80 bits.
const ReferralCodeLen = 8

// ValidReferralCode reports whether a normalized code (NormalizeCode) has
// a referral code's shape: ReferralCodeLen symbols of the code alphabet.
func ValidReferralCode(code string) bool {
	if len(code) != ReferralCodeLen {
		return false
	}
	for i := range len(code) {
		if !strings.ContainsRune(codeAlphabet, rune(code[i])) {
			return false
		}
	}
	return true
}

// gmailDomains are the domains whose mailboxes ignore dots in the local
// part: "m.i.n.a@gmail.com" is mina@gmail.com's inbox.
var gmailDomains = map[string]bool{"gmail.com": true, "googlemail.com": true}

// NormalizeEmail is the mailbox an address delivers to, as far as the
// common providers tell: lower case, the "+tag" sub-address dropped, and
// for Gmail the dots of the local part and the googlemail alias. Two
// customers with the same normalized email are one person with two
// accounts as far as referrals go.
func NormalizeEmail(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local, domain := email[:at], email[at+1:]
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	if gmailDomains[domain] {
		local, domain = strings.ReplaceAll(local, ".", ""), "gmail.com"
	}
	return local + "@" + domain
}

// fold lowers s, strips accents (é → e, ß stays ß: the decomposition has
// no mark to drop) and turns every run of anything but letters and digits
// into one space, trimmed.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(out) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// streetWords are the spellings of street words that differ only in
// abbreviation, each mapped to one form, so "12 Main Street" and "12 main
// st." are one address. German compounds ("Hauptstraße") are handled in
// NormalizeAddress's suffix rule.
var streetWords = map[string]string{
	"street": "st", "str": "st", "strasse": "st", "straße": "st",
	"avenue": "ave", "av": "ave",
	"road": "rd", "boulevard": "blvd", "drive": "dr", "lane": "ln", "place": "pl", "square": "sq",
	"apartment": "apt", "appt": "apt", "suite": "ste", "floor": "fl", "number": "no", "nr": "no",
}

// NormalizeAddress is a postal address's key for comparison: country,
// postal code (or the city when there is none) and the street lines,
// folded (case, accents, punctuation, spacing) with common street words
// abbreviated one way. The recipient's name and phone are not part of it:
// a household shares an address, and that is what the check is about.
// An address without a street line has no key ("").
func NormalizeAddress(a types.Address) string {
	street := fold(a.Line1 + " " + a.Line2)
	if street == "" {
		return ""
	}
	words := strings.Fields(street)
	for i, w := range words {
		if s, ok := streetWords[w]; ok {
			words[i] = s
			continue
		}
		for _, suffix := range []string{"strasse", "straße", "str"} {
			if len(w) > len(suffix) && strings.HasSuffix(w, suffix) {
				words[i] = strings.TrimSuffix(w, suffix) + " st"
				break
			}
		}
	}
	place := strings.ReplaceAll(fold(a.PostalCode), " ", "")
	if place == "" {
		place = fold(a.City)
	}
	return strings.ToUpper(strings.TrimSpace(a.CountryCode)) + "|" + place + "|" + strings.Join(words, " ")
}

// NormalizeName is a person's name for comparison: folded, its words in
// sorted order ("Ota, Mina" is "Mina Ota").
func NormalizeName(name string) string {
	words := strings.Fields(fold(name))
	slices.Sort(words)
	return strings.Join(words, " ")
}

// CardKey identifies a payment card as well as a summary can: its last
// four digits and the holder's normalized name. Orders carry no
// cardholder name, so the holder is each name the order is known under
// (the customer's, the shipping recipient's); CardKey is one of those.
// No digits or no name: no key ("").
func CardKey(p types.PaymentMethod, holder string) string {
	name := NormalizeName(holder)
	if p.Last4 == "" || name == "" {
		return ""
	}
	return p.Last4 + "|" + name
}

// PartyOrder is what an order tells about who placed it.
type PartyOrder struct {
	Address types.Address
	Payment types.PaymentMethod
}

// Party is one side of a referral as the fraud checks see it.
type Party struct {
	// Email is the customer's email; Name their full name.
	Email, Name string
	// Orders are their orders' addresses and payments (the referrer's
	// all, the friend's first).
	Orders []PartyOrder
}

// keys returns the party's normalized addresses and card keys.
func (p Party) keys() (addrs, cards map[string]bool) {
	addrs, cards = map[string]bool{}, map[string]bool{}
	for _, o := range p.Orders {
		if k := NormalizeAddress(o.Address); k != "" {
			addrs[k] = true
		}
		for _, holder := range []string{p.Name, o.Address.Name} {
			if k := CardKey(o.Payment, holder); k != "" {
				cards[k] = true
			}
		}
	}
	return addrs, cards
}

// ReferralFacts is what the fraud checks weigh when a referral is due.
type ReferralFacts struct {
	Referrer, Friend Party
	// PaidThisWeek is the referrals of the referrer paid in the 7 days
	// before now; WeeklyCap the most that may be (0: no cap).
	PaidThisWeek, WeeklyCap int
}

// HoldReasons are the fraud checks: why a due referral should wait for
// staff rather than pay, in words staff can act on (none: pay). Each
// names what matched, never the matching value itself, so the reason is
// safe to show in the admin list.
func HoldReasons(f ReferralFacts) []string {
	var out []string
	if e := NormalizeEmail(f.Referrer.Email); e != "" && e == NormalizeEmail(f.Friend.Email) {
		out = append(out, "the friend's email is the referrer's mailbox under another spelling")
	}
	ra, rc := f.Referrer.keys()
	fa, fc := f.Friend.keys()
	if overlaps(ra, fa) {
		out = append(out, "the friend's first order ships to an address the referrer has used")
	}
	if overlaps(rc, fc) {
		out = append(out, "the friend paid with a card (last four digits and name) the referrer has used")
	}
	if f.WeeklyCap > 0 && f.PaidThisWeek >= f.WeeklyCap {
		out = append(out, "the referrer has reached the cap of referral rewards for 7 days")
	}
	return out
}

func overlaps(a, b map[string]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}

// FirstOrderState is the friend's first order as completion sees it.
type FirstOrderState struct {
	Status types.OrderStatus
	// ReturnWindowEndsAt is set once the order is delivered.
	ReturnWindowEndsAt *time.Time
	// Returned is whether any unit of it came back.
	Returned bool
}

// ReferralOutcome is what the first order's state means for a referral.
type ReferralOutcome int

// The outcomes of ReferralDue.
const (
	// ReferralWaits: not delivered yet, or its return window is open.
	ReferralWaits ReferralOutcome = iota
	// ReferralPays: delivered, the window closed, nothing returned.
	ReferralPays
	// ReferralVoid: something was returned; the referral will never pay.
	ReferralVoid
)

// ReferralDue says whether a referral pays now: the friend's first order
// delivered, its return window closed at or before now, nothing returned.
// A return, before or after delivery, voids it at once rather than
// holding it for staff: the rule is "delivered and kept", and a return is
// a plain fact, not a suspicion.
func ReferralDue(o FirstOrderState, now time.Time) ReferralOutcome {
	switch {
	case o.Returned:
		return ReferralVoid
	case o.Status != types.OrderDelivered || o.ReturnWindowEndsAt == nil || o.ReturnWindowEndsAt.After(now):
		return ReferralWaits
	}
	return ReferralPays
}
