package notify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/journeysetting"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// Journey names, as messages carry them in their journey column.
const (
	// JourneyOrderConfirmation is the confirmation sent at import.
	JourneyOrderConfirmation = "order_confirmation"
	// JourneyShipping is shipped, out for delivery, delivered, and the
	// delay notices (journey_shipping.go).
	JourneyShipping = "shipping_updates"
	// JourneyReview is the review request after delivery and its one
	// reminder (journey_review.go).
	JourneyReview = "review_request"
)

// SkipJourneyOff is the skip reason of a message whose journey staff
// turned off.
const SkipJourneyOff = "journey turned off"

// JourneySettings are a journey's settings (ent/schema/journey.go). A nil
// pointer, or a nil CategoryDelays, is a setting the journey does not use.
type JourneySettings struct {
	// Enabled: a turned-off journey queues its messages SKIPPED with
	// SkipJourneyOff (kept for staff, and the dedupe key taken, so turning
	// the journey on again does not send a backlog of stale news), and a
	// message queued before it was turned off is skipped when it is due.
	Enabled bool
	// DelayDays is the wait before the first message (review request:
	// days after delivery).
	DelayDays *int
	// ReminderDays is the wait after the first message before the one
	// reminder.
	ReminderDays *int
	// CategoryDelays replace DelayDays for orders with items of a
	// category (keys in lower case); the longest applicable delay wins.
	CategoryDelays map[string]int
	// DelayThresholdHours is how far a carrier's estimate may slip past
	// its first estimate before a delay notice.
	DelayThresholdHours *int
	// StallHours is how long a parcel in transit may go without a
	// checkpoint before it counts as late.
	StallHours *int
	// MinGapMinutes is the least time between two messages of the journey
	// to one customer (the gap gate enforces it, or Rules.JourneyGap when
	// that is longer).
	MinGapMinutes int
	// CouponCode is the coupon the order confirmation's ENTICING variant
	// offers ("" none; nil for the journeys without one).
	CouponCode *string
	// Channels are the channels each message of the journey goes out on
	// (queueJourney queues one message per channel); nil in a journey's
	// defaults means EMAIL only.
	Channels []message.Channel
}

// MinGap is MinGapMinutes as a duration.
func (j JourneySettings) MinGap() time.Duration { return time.Duration(j.MinGapMinutes) * time.Minute }

// delayFor is the wait before the first message for an order whose items
// have categories: the longest of their category delays, an item without
// one counting DelayDays. The longest, because a request is about every
// item: asking after the coffee's 7 days about a mattress that needs 30
// nights is asking too early, while asking about the coffee on day 30 is
// merely late. No categories at all: DelayDays.
func (j JourneySettings) delayFor(categories []string) time.Duration {
	base := 0
	if j.DelayDays != nil {
		base = *j.DelayDays
	}
	if len(categories) == 0 {
		return time.Duration(base) * 24 * time.Hour
	}
	longest := -1
	for _, c := range categories {
		d, ok := j.CategoryDelays[strings.ToLower(strings.TrimSpace(c))]
		if !ok {
			d = base
		}
		longest = max(longest, d)
	}
	return time.Duration(longest) * 24 * time.Hour
}

// CategoryDelayList is CategoryDelays by category, nil when the journey
// does not use them.
func (j JourneySettings) CategoryDelayList() []*CategoryDelay {
	if j.CategoryDelays == nil {
		return nil
	}
	out := make([]*CategoryDelay, 0, len(j.CategoryDelays))
	for c, d := range j.CategoryDelays {
		out = append(out, &CategoryDelay{Category: c, Days: d})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Category < out[b].Category })
	return out
}

// Journey is a journey with its settings, for staff.
type Journey struct {
	// Name, Description and Kinds say what the journey is.
	Name, Description string
	Kinds             []message.Kind
	// Settings are staff's where saved, else the defaults.
	Settings JourneySettings
	// Customized is true when staff saved any setting.
	Customized bool
}

// journeySpec is a journey as its file registers it.
type journeySpec struct {
	name, description string
	kinds             []message.Kind
	// defaults: the settings without a row; a nil pointer (or nil
	// CategoryDelays) marks a setting the journey does not use.
	defaults JourneySettings
}

// journeys are the registered journeys by name. Written only by init
// functions (registerJourney).
var journeys = map[string]journeySpec{}

// registerJourney registers a journey; call it from an init function of
// the journey's file.
func registerJourney(spec journeySpec) {
	if _, dup := journeys[spec.name]; dup {
		panic("notify: journey " + spec.name + " registered twice")
	}
	spec.defaults.Channels = spec.defaults.ChannelList() // staff see EMAIL, not an empty list
	journeys[spec.name] = spec
}

func init() {
	registerJourney(journeySpec{name: JourneyOrderConfirmation,
		description: "The order confirmation, by email and in the app, as soon as the order is imported.",
		kinds:       []message.Kind{message.KindORDER_CONFIRMATION},
		defaults: JourneySettings{Enabled: true, CouponCode: new(string),
			Channels: []message.Channel{message.ChannelEMAIL, message.ChannelIN_APP}}})
	// Every journey can be turned off, also one whose queueing code does
	// not ask (the confirmation): the message is skipped when it is
	// dispatched.
	addGate("journey", func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (verdict, error) {
		if m.Journey == nil {
			return verdict{}, nil
		}
		set, err := s.journeySettings(ctx, tx.Client(), *m.Journey)
		if err != nil || set.Enabled {
			return verdict{}, err
		}
		return verdict{skip: SkipJourneyOff}, nil
	})
}

// journeySettings reads journey name's settings through c (as the
// system): the saved row over the defaults. A name no journey registered
// runs with everything on and no gap.
func (s *Service) journeySettings(ctx context.Context, c *ent.Client, name string) (JourneySettings, error) {
	row, err := c.JourneySetting.Query().Where(journeysetting.Journey(name)).Only(auth.WithSystem(ctx))
	if ent.IsNotFound(err) {
		row = nil
	} else if err != nil {
		return JourneySettings{}, err
	}
	set := journeys[name].defaults
	if _, ok := journeys[name]; !ok {
		set = JourneySettings{Enabled: true}
	}
	return merge(set, row), nil
}

// merge lays row's saved values over the defaults d (only for settings d
// uses).
func merge(d JourneySettings, row *ent.JourneySetting) JourneySettings {
	if row == nil {
		return d
	}
	if row.Enabled != nil {
		d.Enabled = *row.Enabled
	}
	over := func(def **int, saved *int) {
		if *def != nil && saved != nil {
			v := *saved
			*def = &v
		}
	}
	over(&d.DelayDays, row.DelayDays)
	over(&d.ReminderDays, row.ReminderDays)
	over(&d.DelayThresholdHours, row.DelayThresholdHours)
	over(&d.StallHours, row.StallHours)
	if d.CategoryDelays != nil && row.CategoryDelays != nil {
		d.CategoryDelays = row.CategoryDelays
	}
	if row.MinGapMinutes != nil {
		d.MinGapMinutes = *row.MinGapMinutes
	}
	if d.CouponCode != nil && row.CouponCode != nil {
		v := *row.CouponCode
		d.CouponCode = &v
	}
	if row.Channels != nil {
		d.Channels = make([]message.Channel, len(row.Channels))
		for i, c := range row.Channels {
			d.Channels[i] = message.Channel(c)
		}
	}
	return d
}

// ChannelList is Channels, EMAIL when the journey's defaults name none.
func (j JourneySettings) ChannelList() []message.Channel {
	if len(j.Channels) == 0 {
		return []message.Channel{message.ChannelEMAIL}
	}
	return j.Channels
}

// Journeys returns every journey with its settings, by name. Staff only.
func (s *Service) Journeys(ctx context.Context) ([]*Journey, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.JourneySetting.Query().All(auth.WithSystem(ctx))
	if err != nil {
		return nil, err
	}
	saved := make(map[string]*ent.JourneySetting, len(rows))
	for _, r := range rows {
		saved[r.Journey] = r
	}
	names := make([]string, 0, len(journeys))
	for n := range journeys {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*Journey, 0, len(names))
	for _, n := range names {
		out = append(out, journeyOf(journeys[n], saved[n]))
	}
	return out, nil
}

// journeyOf is spec with its saved row (nil: none).
func journeyOf(spec journeySpec, row *ent.JourneySetting) *Journey {
	return &Journey{Name: spec.name, Description: spec.description, Kinds: spec.kinds,
		Settings: merge(spec.defaults, row), Customized: row != nil}
}

// CategoryDelay is a delay for one product category.
type CategoryDelay struct {
	// Category is the store's category name.
	Category string
	// Days is the delay.
	Days int
}

// JourneyUpdate is what to change on a journey (GraphQL
// UpdateJourneyInput): nil fields keep their value.
type JourneyUpdate struct {
	Name                                                                    string
	Enabled                                                                 *bool
	DelayDays, ReminderDays, DelayThresholdHours, StallHours, MinGapMinutes *int
	// CategoryDelays, when non-nil, replaces the list (empty: none).
	CategoryDelays []CategoryDelay
	// CouponCode, when non-nil, replaces the coupon (empty: none).
	CouponCode *string
	// Channels, when non-nil, replaces the journey's channels.
	Channels []message.Channel
}

// Bounds of the settings, so a typo cannot ask for a review in 2031 or a
// delay notice per minute.
const (
	maxDelayDays  = 365
	maxHours      = 720
	maxGapMinutes = 30 * 24 * 60
	maxCategories = 100
)

// UpdateJourney saves the settings in; staff only. An unknown journey, a
// setting the journey does not use or a value out of range is
// INVALID_INPUT naming the field, and nothing is saved.
func (s *Service) UpdateJourney(ctx context.Context, in JourneyUpdate) (*Journey, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	spec, ok := journeys[in.Name]
	if !ok {
		return nil, errs.Invalid("input.name", "no journey %q (see journeys)", in.Name)
	}
	cats, err := validateUpdate(spec, in)
	if err != nil {
		return nil, err
	}
	coupon, err := validateCoupon(spec, in.CouponCode)
	if err != nil {
		return nil, err
	}
	chs, err := s.validateChannels(auth.WithSystem(ctx), spec, in.Channels)
	if err != nil {
		return nil, err
	}
	actor := "system"
	if v, ok := auth.FromContext(ctx); ok && v.Subject != "" {
		actor = v.Subject
	}
	var row *ent.JourneySetting
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		c := tx.JourneySetting.Create().SetJourney(in.Name).SetNillableEnabled(in.Enabled).
			SetNillableDelayDays(in.DelayDays).SetNillableReminderDays(in.ReminderDays).
			SetNillableDelayThresholdHours(in.DelayThresholdHours).SetNillableStallHours(in.StallHours).
			SetNillableMinGapMinutes(in.MinGapMinutes).SetNillableCouponCode(coupon).SetUpdatedBy(actor).SetCreatedAt(s.now()).SetUpdatedAt(s.now())
		if cats != nil {
			c.SetCategoryDelays(cats)
		}
		if chs != nil {
			c.SetChannels(chs)
		}
		// Only the columns set above change on an existing row.
		if err := c.OnConflictColumns(journeysetting.FieldJourney).UpdateNewValues().Exec(ctx); err != nil {
			return err
		}
		var err error
		row, err = tx.JourneySetting.Query().Where(journeysetting.Journey(in.Name)).Only(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return journeyOf(spec, row), nil
}

// validateUpdate checks in against spec's settings and the bounds, and
// returns the category delays to save (nil: unchanged).
func validateUpdate(spec journeySpec, in JourneyUpdate) (map[string]int, error) {
	d := spec.defaults
	check := func(field string, v *int, used bool, lo, hi int) error {
		switch {
		case v == nil:
			return nil
		case !used:
			return errs.Invalid("input."+field, "the %s journey has no such setting", spec.name)
		case *v < lo || *v > hi:
			return errs.Invalid("input."+field, "must be between %d and %d", lo, hi)
		}
		return nil
	}
	for _, c := range []struct {
		field  string
		v      *int
		used   bool
		lo, hi int
	}{
		{"delayDays", in.DelayDays, d.DelayDays != nil, 0, maxDelayDays},
		{"reminderDays", in.ReminderDays, d.ReminderDays != nil, 1, maxDelayDays},
		{"delayThresholdHours", in.DelayThresholdHours, d.DelayThresholdHours != nil, 1, maxHours},
		{"stallHours", in.StallHours, d.StallHours != nil, 1, maxHours},
		{"minGapMinutes", in.MinGapMinutes, true, 0, maxGapMinutes},
	} {
		if err := check(c.field, c.v, c.used, c.lo, c.hi); err != nil {
			return nil, err
		}
	}
	if in.CategoryDelays == nil {
		return nil, nil
	}
	if d.CategoryDelays == nil {
		return nil, errs.Invalid("input.categoryDelays", "the %s journey has no such setting", spec.name)
	}
	if len(in.CategoryDelays) > maxCategories {
		return nil, errs.Invalid("input.categoryDelays", "at most %d categories", maxCategories)
	}
	out := make(map[string]int, len(in.CategoryDelays))
	for i, cd := range in.CategoryDelays {
		f := fmt.Sprintf("input.categoryDelays[%d]", i)
		key := strings.ToLower(strings.TrimSpace(cd.Category))
		switch {
		case key == "" || utf8.RuneCountInString(key) > 128:
			return nil, errs.Invalid(f+".category", "must be 1 to 128 characters")
		case cd.Days < 0 || cd.Days > maxDelayDays:
			return nil, errs.Invalid(f+".days", "must be between 0 and %d", maxDelayDays)
		}
		if _, dup := out[key]; dup {
			return nil, errs.Invalid(f+".category", "%q is listed twice", cd.Category)
		}
		out[key] = cd.Days
	}
	return out, nil
}

// queueJourney queues msg for journey set, once on each of its channels
// (queueChannels): SKIPPED with SkipJourneyOff when the journey is off
// (see JourneySettings.Enabled).
func (s *Service) queueJourney(ctx context.Context, tx *ent.Tx, set JourneySettings, msg Msg) error {
	if !set.Enabled && msg.Skip == "" {
		msg.Skip = SkipJourneyOff
	}
	return s.queueChannels(ctx, tx, msg, set.ChannelList())
}

// maxCouponLen is the longest coupon code (the column's limit).
const maxCouponLen = 64

// validateCoupon checks a coupon code to save for spec: trimmed, at most
// maxCouponLen printable characters without spaces (a code the customer
// types at checkout); nil keeps the saved one, "" removes it.
func validateCoupon(spec journeySpec, code *string) (*string, error) {
	if code == nil {
		return nil, nil
	}
	if spec.defaults.CouponCode == nil {
		return nil, errs.Invalid("input.couponCode", "the %s journey has no such setting", spec.name)
	}
	c := strings.TrimSpace(*code)
	if utf8.RuneCountInString(c) > maxCouponLen {
		return nil, errs.Invalid("input.couponCode", "must be at most %d characters", maxCouponLen)
	}
	for _, r := range c {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return nil, errs.Invalid("input.couponCode", "must be one word of printable characters (what a customer types at checkout)")
		}
	}
	return &c, nil
}

// intp is a pointer to v, for defaults.
func intp(v int) *int { return &v }
