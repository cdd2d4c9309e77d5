package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/loyaltytier"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/loyalty"
)

// LOYALTY messages (issue 13): points available, tier reached, tier about
// to lapse. The program tells the outbox through loyalty.Notifier (set at
// assembly, as for REFERRAL_THANKS), in the transaction of the cause: the
// release of pending points by the loyalty sweep, and each recomputation
// of a tier (a delivery, a return, spend rolling off). The outbox reads
// the program's rows, and asks the program (UseLoyalty) when a lapse
// warning is due; the program never imports the outbox.
//
// Three journeys, so staff can turn each off on its own (the warning is
// marketing, the two others are not):
//
//   - loyalty_points, transactional: it reports a change of the
//     customer's own balance, as a statement would, so it goes without
//     marketing consent and outside the weekly cap (it still waits for
//     the end of quiet hours: it is not urgent). One message per release
//     (the key names the release's first credit entry); a release that
//     nets nothing (an order undelivered before its window closed) is no
//     news.
//   - loyalty_tier, transactional: the customer's terms changed (the
//     multiplier, the benefits they now have). Once per tier reached per
//     spell: the key names the tier and the moment it was reached, and the
//     program tells only a move up (a replayed delivery recomputes the
//     same tier and tells nothing). The entry tier (threshold 0, reached
//     with the first delivery) is not news. Skipped when due if the
//     customer no longer holds the tier.
//   - loyalty_lapse, marketing: its purpose is a purchase, so it needs
//     consent, counts toward the cap and carries the unsubscribe link.
//     Due delayDays before the date rolling spend would drop the customer
//     a tier (at once when that is nearer), once per lapse date (the key
//     names the tier and the date); when due it is skipped if the tier no
//     longer lapses on that date (they bought enough meanwhile: a new
//     date has its own warning) or they hold another tier.

// Journey names of the loyalty messages and of win-back.
const (
	// JourneyLoyaltyPoints is "your points are available".
	JourneyLoyaltyPoints = "loyalty_points"
	// JourneyLoyaltyTier is "you reached a tier".
	JourneyLoyaltyTier = "loyalty_tier"
	// JourneyLoyaltyLapse is "your tier lapses soon".
	JourneyLoyaltyLapse = "loyalty_lapse"
)

// DefaultLapseWarningDays is how long before a tier lapses the warning
// goes: two weeks leave time for an order to be delivered (spend counts
// at delivery) before the date.
const DefaultLapseWarningDays = 14

// LoyaltyProgram is what the loyalty messages ask the program when they
// are due (loyalty.Service).
type LoyaltyProgram interface {
	// LapseOf is the customer's tier lapse now, read through c; nil when
	// their tier cannot lapse.
	LapseOf(ctx context.Context, c *ent.Client, customerID int) (*loyalty.Lapse, error)
}

// UseLoyalty lets the lapse warnings ask p. Call it before serving;
// without it lapse warnings are skipped when due.
func (s *Service) UseLoyalty(p LoyaltyProgram) { s.program = p }

// LoyaltyNews is what LOYALTY templates can use: exactly one of
// PointsAvailable, TierReached and TierLapsing is set on a message (the
// template shows that part with {{with}}); the sample sets all three, so
// validation runs every part.
type LoyaltyNews struct {
	// Marketing is the unsubscribe link, set on the lapse warning only.
	Marketing
	// StoreName is the store's name (-store-name).
	StoreName string
	// FirstName is the customer's first name, or "there".
	FirstName string
	// PointsAvailable: pending points became available.
	PointsAvailable *PointsNews
	// TierReached: the customer moved up to a tier.
	TierReached *TierNews
	// TierLapsing: the customer's tier lapses soon.
	TierLapsing *LapseNews
}

// PointsNews is a release of pending points.
type PointsNews struct {
	// Points became available; Balance is the available balance now.
	Points, Balance int64
}

// TierNews is a tier reached.
type TierNews struct {
	// Tier is its name; Benefits what it gives, in words.
	Tier     string
	Benefits []string
}

// LapseNews is a tier about to lapse.
type LapseNews struct {
	// Tier is its name.
	Tier string
	// SpendNeeded is what keeps it ("€120.00"), By the date it lapses
	// without that ("6 March 2027").
	SpendNeeded, By string
}

// loyaltySample is LOYALTY's sample: every part set.
var loyaltySample = LoyaltyNews{Marketing: marketingSample, StoreName: "Sample Store", FirstName: "Mina",
	PointsAvailable: &PointsNews{Points: 120, Balance: 870},
	TierReached:     &TierNews{Tier: "Silver", Benefits: []string{"1.25 points per unit spent", "Free standard shipping"}},
	TierLapsing:     &LapseNews{Tier: "Silver", SpendNeeded: "€120.00", By: "6 March 2027"}}

func init() {
	registerJourney(journeySpec{name: JourneyLoyaltyPoints,
		description: "Points available: when an order's pending points become available (its return window closed), " +
			"with the new balance; one message per release. Transactional.",
		kinds: []message.Kind{message.KindLOYALTY}, defaults: JourneySettings{Enabled: true}})
	registerJourney(journeySpec{name: JourneyLoyaltyTier,
		description: "Tier reached: when the customer moves up to a tier above the entry tier, once per tier reached " +
			"per spell in it. Transactional.",
		kinds: []message.Kind{message.KindLOYALTY}, defaults: JourneySettings{Enabled: true}})
	registerJourney(journeySpec{name: JourneyLoyaltyLapse,
		description: "Tier about to lapse: delayDays before rolling spend would drop the customer a tier, once per " +
			"lapse date; skipped when due if they bought enough meanwhile. Marketing: it needs consent and counts " +
			"toward the weekly cap.",
		kinds:    []message.Kind{message.KindLOYALTY},
		defaults: JourneySettings{Enabled: true, DelayDays: intp(DefaultLapseWarningDays)}})
	registerKind(message.KindLOYALTY, kindSpec{sample: loyaltySample,
		vars: func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
			return s.loyaltyNews(ctx, c, m)
		},
		check: func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
			return s.loyaltyCheck(ctx, tx.Client(), m)
		}})
}

// The steps of a LOYALTY message, as its dedupe key names them.
const (
	stepPoints = "points"
	stepTier   = "tier"
	stepLapse  = "lapse"
)

// loyaltyKey is the dedupe key of a LOYALTY message to customerID:
// "customer:7:loyalty:points:<first entry>:EMAIL",
// "customer:7:loyalty:tier:<tier>:<unix reached>:EMAIL",
// "customer:7:loyalty:lapse:<tier>:<unix lapse>:EMAIL".
func loyaltyKey(customerID int, step string, ids ...int64) string {
	parts := []string{"customer", strconv.Itoa(customerID), "loyalty", step}
	for _, id := range ids {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	return strings.Join(append(parts, "EMAIL"), ":")
}

// parseLoyaltyKey reads a key loyaltyKey made: the step and its numbers.
func parseLoyaltyKey(key string) (step string, ids []int64, err error) {
	parts := strings.Split(key, ":")
	if len(parts) < 6 || parts[0] != "customer" || parts[2] != "loyalty" || parts[len(parts)-1] != "EMAIL" {
		return "", nil, fmt.Errorf("notify: %q is not a loyalty key", key)
	}
	for _, p := range parts[4 : len(parts)-1] {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return "", nil, fmt.Errorf("notify: %q: %w", key, err)
		}
		ids = append(ids, n)
	}
	want := map[string]int{stepPoints: 1, stepTier: 2, stepLapse: 2}[parts[3]]
	if want == 0 || len(ids) != want {
		return "", nil, fmt.Errorf("notify: %q is not a loyalty key", key)
	}
	return parts[3], ids, nil
}

// PointsAvailable queues "your points are available" for a release
// (loyalty.Notifier), in the release's transaction.
func (s *Service) PointsAvailable(ctx context.Context, customerID int, first *ent.LoyaltyEntry, _ int64) error {
	return s.queueLoyalty(ctx, JourneyLoyaltyPoints, customerID, loyaltyKey(customerID, stepPoints, int64(first.ID)), nil)
}

// TierReached queues "you reached a tier" (loyalty.Notifier), in the
// transaction that moved the customer up.
func (s *Service) TierReached(ctx context.Context, customerID, tierID int, at time.Time) error {
	return s.queueLoyalty(ctx, JourneyLoyaltyTier, customerID, loyaltyKey(customerID, stepTier, int64(tierID), at.Unix()), nil)
}

// TierLapses queues the warning that the customer's tier lapses at by
// (loyalty.Notifier), due the journey's delayDays before by; told again
// for the same date, it queues nothing new.
func (s *Service) TierLapses(ctx context.Context, customerID, tierID int, by time.Time) error {
	return s.queueLoyalty(ctx, JourneyLoyaltyLapse, customerID, loyaltyKey(customerID, stepLapse, int64(tierID), by.Unix()), &by)
}

// queueLoyalty queues a LOYALTY email of journey to customerID with key,
// in the transaction in ctx (none: nothing, see Register). lapse, for a
// warning, is the lapse date it is due delayDays before.
func (s *Service) queueLoyalty(ctx context.Context, journey string, customerID int, key string, lapse *time.Time) error {
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		return nil
	}
	ctx = auth.WithSystem(ctx)
	set, err := s.journeySettings(ctx, tx.Client(), journey)
	if err != nil {
		return err
	}
	cu, err := tx.Customer.Get(ctx, customerID)
	if err != nil {
		return err
	}
	msg := Msg{Kind: message.KindLOYALTY, Channel: message.ChannelEMAIL, DedupeKey: key, Recipient: cu.Email,
		CustomerID: &cu.ID, Journey: journey}
	if lapse != nil {
		msg.Marketing = true
		msg.DueAt = lapse.AddDate(0, 0, -*set.DelayDays)
	}
	return s.queueJourney(ctx, tx, set, msg)
}

// loyaltyCheck decides, when a LOYALTY message is due, whether it is
// still true: the tier reached is still held; the tier still lapses on
// the warned date.
func (s *Service) loyaltyCheck(ctx context.Context, c *ent.Client, m *ent.Message) (string, error) {
	step, ids, err := parseLoyaltyKey(m.DedupeKey)
	if err != nil || m.CustomerID == nil {
		return "", fmt.Errorf("notify: loyalty message %d: %v", m.ID, err)
	}
	ctx = auth.WithSystem(ctx)
	switch step {
	case stepTier:
		held, err := c.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(*m.CustomerID), loyaltyaccount.TierID(int(ids[0]))).Exist(ctx)
		if err != nil || held {
			return "", err
		}
		return "the customer no longer holds the tier", nil
	case stepLapse:
		if s.program == nil {
			return "no loyalty program to ask", nil
		}
		l, err := s.program.LapseOf(ctx, c, *m.CustomerID)
		switch {
		case err != nil:
			return "", err
		case l == nil || l.Tier.ID != int(ids[0]):
			return "the customer's tier changed", nil
		case l.By.Unix() != ids[1]:
			return fmt.Sprintf("the tier no longer lapses on that date (now %s): the customer bought enough meanwhile",
				l.By.UTC().Format(dateLayout)), nil
		}
	}
	return "", nil
}

// loyaltyNews reads the variables of LOYALTY message m.
func (s *Service) loyaltyNews(ctx context.Context, c *ent.Client, m *ent.Message) (*LoyaltyNews, error) {
	step, ids, err := parseLoyaltyKey(m.DedupeKey)
	if err != nil {
		return nil, err
	}
	if m.CustomerID == nil {
		return nil, fmt.Errorf("notify: loyalty message %d without a customer", m.ID)
	}
	ctx = auth.WithSystem(ctx)
	cu, err := c.Customer.Get(ctx, *m.CustomerID)
	if err != nil {
		return nil, err
	}
	v := &LoyaltyNews{StoreName: s.cfg.StoreName, FirstName: strings.TrimSpace(cu.FirstName)}
	if v.FirstName == "" {
		v.FirstName = "there"
	}
	switch step {
	case stepPoints:
		v.PointsAvailable, err = s.pointsNews(ctx, c, cu.ID, int(ids[0]))
	case stepTier:
		var t *ent.LoyaltyTier
		if t, err = c.LoyaltyTier.Query().Where(loyaltytier.ID(int(ids[0]))).Only(ctx); err == nil {
			v.TierReached = &TierNews{Tier: t.Name, Benefits: t.Benefits}
		}
	case stepLapse:
		if s.program == nil {
			return nil, fmt.Errorf("notify: no loyalty program to ask")
		}
		var l *loyalty.Lapse
		if l, err = s.program.LapseOf(ctx, c, cu.ID); err == nil && l == nil {
			err = fmt.Errorf("notify: customer %d's tier does not lapse", cu.ID)
		}
		if err == nil {
			v.TierLapsing = &LapseNews{Tier: l.Tier.Name, SpendNeeded: l.SpendNeeded.String(), By: s.dateFor(cu, l.By)}
		}
	}
	return v, err
}

// pointsNews is the release that made entry first available: the net
// points of the customer's entries released with it (the release gives
// them all one updated_at, and nothing updates an entry after its
// release), and the available balance now.
func (s *Service) pointsNews(ctx context.Context, c *ent.Client, customerID, first int) (*PointsNews, error) {
	e, err := c.LoyaltyEntry.Query().Where(loyaltyentry.ID(first), loyaltyentry.CustomerID(customerID)).Only(ctx)
	if err != nil {
		return nil, err
	}
	released, err := c.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(customerID), loyaltyentry.AvailableAtNotNil(),
		loyaltyentry.UpdatedAt(e.UpdatedAt), loyaltyentry.StatusIn(types.EntryAvailable, types.EntryReversedStatus)).All(ctx)
	if err != nil {
		return nil, err
	}
	n := &PointsNews{}
	for _, r := range released {
		n.Points += r.Points
	}
	acct, err := c.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(customerID)).Only(ctx)
	if err != nil {
		return nil, err
	}
	n.Balance = acct.Available
	return n, nil
}
