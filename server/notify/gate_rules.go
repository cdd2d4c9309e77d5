package notify

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent/message"
)

// Defaults of Rules' zero fields.
const (
	// DefaultWeeklyCap is how many marketing messages a customer gets in
	// any 7 days: the guides' "at most a few a week", after which
	// unsubscribes climb faster than sales.
	DefaultWeeklyCap = 3
	// DefaultConversionWindow is how long after a click an order counts
	// as the message's conversion: a week, the usual e-mail attribution
	// window.
	DefaultConversionWindow = 7 * 24 * time.Hour
	// SuggestedQuietHours is -quiet-hours' default: no message between
	// 21:00 and 08:00 in the customer's time zone.
	SuggestedQuietHours = "21:00-08:00"
)

// capWindow is the weekly cap's rolling window.
const capWindow = 7 * 24 * time.Hour

// Rules configures never pestering (consent, quiet hours, the weekly cap,
// the gap between two messages of a journey) and the signed links of
// emails (one-click unsubscribe, open pixel, tracked clicks).
type Rules struct {
	// OptOut counts a customer who never said yes or no on a channel as
	// consenting to marketing on it (stores whose law allows mailing
	// until the customer unsubscribes). The zero value is opt-in: only a
	// customer who said yes gets marketing, as EU stores need.
	// Transactional messages need no consent either way.
	OptOut bool
	// QuietHours is "HH:MM-HH:MM" in the customer's time zone (e.g.
	// SuggestedQuietHours); a message that can wait and falls inside
	// waits until its end. Empty: no quiet hours.
	QuietHours string
	// TimeZone is the IANA zone of customers the store sent none for;
	// empty means UTC.
	TimeZone string
	// WeeklyCap is how many marketing messages a customer may get in any
	// 7 days; zero means DefaultWeeklyCap, negative no cap.
	WeeklyCap int
	// JourneyGap is the least time between two messages of one journey to
	// one customer (the next waits); zero: no gap. Kinds that cannot wait
	// (see canWait) are exempt.
	JourneyGap time.Duration
	// ConversionWindow is how long after a click an order converts;
	// zero means DefaultConversionWindow.
	ConversionWindow time.Duration
	// LinkSecret signs the links of emails (see engage_sign.go); the
	// server derives it from its token secret. Required with -smtp-url.
	LinkSecret []byte
	// PublicURL is where those links point (https://shop.example.com);
	// empty: the server's own address (SetPublicURL).
	PublicURL string
}

// quiet is a parsed QuietHours: minutes after midnight; on is false
// without quiet hours.
type quiet struct {
	start, end int
	on         bool
}

// parseQuietHours parses "HH:MM-HH:MM" ("" is none). Start and end may
// wrap midnight (21:00-08:00); equal ones are refused (all day or never?).
func parseQuietHours(s string) (quiet, error) {
	if strings.TrimSpace(s) == "" {
		return quiet{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return quiet{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM, e.g. %s", s, SuggestedQuietHours)
	}
	start, err1 := time.Parse("15:04", strings.TrimSpace(a))
	end, err2 := time.Parse("15:04", strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return quiet{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM, e.g. %s", s, SuggestedQuietHours)
	}
	q := quiet{start: start.Hour()*60 + start.Minute(), end: end.Hour()*60 + end.Minute(), on: true}
	if q.start == q.end {
		return quiet{}, fmt.Errorf("quiet hours %q start and end at the same time", s)
	}
	return q, nil
}

// CheckRules reports what is wrong with r's quiet hours and time zone, or
// "" (for the server's configuration check).
func CheckRules(r Rules) string {
	if _, err := parseQuietHours(r.QuietHours); err != nil {
		return err.Error()
	}
	if r.TimeZone != "" {
		if _, err := time.LoadLocation(r.TimeZone); err != nil {
			return fmt.Sprintf("time zone %q is not an IANA zone name (e.g. Europe/Berlin)", r.TimeZone)
		}
	}
	return ""
}

// rules is r checked, with its defaults, and its parsed parts.
type rules struct {
	Rules
	quiet quiet
	loc   *time.Location
}

// newRules checks r and fills its defaults.
func newRules(r Rules) (rules, error) {
	if p := CheckRules(r); p != "" {
		return rules{}, fmt.Errorf("notify: %s", p)
	}
	if r.WeeklyCap == 0 {
		r.WeeklyCap = DefaultWeeklyCap
	}
	if r.ConversionWindow <= 0 {
		r.ConversionWindow = DefaultConversionWindow
	}
	if len(r.LinkSecret) == 0 {
		// Links then verify only in this process: fine for a test, and
		// the assembled server always derives one (LinkKey).
		r.LinkSecret = make([]byte, 32)
		_, _ = rand.Read(r.LinkSecret)
	}
	q, _ := parseQuietHours(r.QuietHours)
	loc := time.UTC
	if r.TimeZone != "" {
		loc, _ = time.LoadLocation(r.TimeZone)
	}
	return rules{Rules: r, quiet: q, loc: loc}, nil
}

// urgent are the kinds that cannot wait: the customer just ordered, or the
// parcel is moving today (a "delivered" at 08:00 about last night's
// delivery is news too late, a delay notice the morning after the missed
// date is the apology the guides warn about). They are exempt from quiet
// hours and the journey gap; everything else (review requests, reminders,
// loyalty, win-back, content, campaigns) waits.
var urgent = map[message.Kind]bool{
	message.KindORDER_CONFIRMATION: true, message.KindSHIPPED: true, message.KindOUT_FOR_DELIVERY: true,
	message.KindDELIVERED: true, message.KindDELAY_NOTICE: true,
}

// canWait reports whether a message of kind may be held back by quiet
// hours or the journey gap.
func canWait(kind message.Kind) bool { return !urgent[kind] }

func init() {
	// Skips first (a message that will not go should not wait first),
	// then waits.
	addGate("consent", gateConsent)
	addGate("weekly cap", gateWeeklyCap)
	addGate("quiet hours", gateQuietHours)
	addGate("journey gap", gateJourneyGap)
}
