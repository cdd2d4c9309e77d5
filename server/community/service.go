package community

import (
	"context"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// Limits are the per-customer write limits.
type Limits struct {
	// Posts counts new posts and edits.
	Posts ratelimit.Rate
	// Comments counts new comments and edits.
	Comments ratelimit.Rate
	// Reactions counts reactions left and taken back.
	Reactions ratelimit.Rate
	// Flags counts flags.
	Flags ratelimit.Rate
}

// DefaultLimits let a real customer post a few unboxing photos in a row
// and fix a typo or two, hold a conversation, tap through a feed's
// reactions and report what is wrong with a page, and stop a script
// within a few requests.
var DefaultLimits = Limits{
	Posts:     ratelimit.Rate{Burst: 5, Every: 5 * time.Minute},
	Comments:  ratelimit.Rate{Burst: 10, Every: time.Minute},
	Reactions: ratelimit.Rate{Burst: 30, Every: 10 * time.Second},
	Flags:     ratelimit.Rate{Burst: 5, Every: 10 * time.Minute},
}

// DefaultFlagThreshold is the flag score that hides an item: three
// newcomers' flags, or two from flaggers staff keep agreeing with.
const DefaultFlagThreshold = 3.0

// Attacher attaches the viewer's uploads in the caller's transaction
// (server/media's Service).
type Attacher interface {
	Attach(ctx context.Context, tx *ent.Tx, field string, ids []int) ([]*ent.Media, error)
}

// Config is the community's settings.
type Config struct {
	// Limits are the per-customer write limits; nil means DefaultLimits
	// (a zero rate in it keeps the default).
	Limits *Limits
	// Clock times posts, edits, silences and rate limits; nil is the real
	// clock.
	Clock clockwork.Clock
	// Media attaches uploads to posts; nil refuses posts with media.
	Media Attacher
	// Broker announces the live feeds' changes (postAdded, postChanged,
	// comments) after commit; nil logs them without waking open streams
	// (a resuming subscriber still reads them). The server always passes
	// one.
	Broker pubsub.Broker
	// FlagThreshold is the flag score at which an item is hidden and
	// queued; 0 means DefaultFlagThreshold.
	FlagThreshold float64
}

// Service writes and lists topics, posts, comments, reactions and flags,
// and silences authors. It is safe for concurrent use.
type Service struct {
	db                                *db.DB
	mod                               *moderation.Service
	cfg                               Config
	posts, comments, reactions, flags *ratelimit.Limiter
}

// NewService returns the community service and registers posts and
// comments with the moderation core.
func NewService(d *db.DB, mod *moderation.Service, cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.FlagThreshold <= 0 {
		cfg.FlagThreshold = DefaultFlagThreshold
	}
	lim := DefaultLimits
	if l := cfg.Limits; l != nil {
		for _, r := range []struct{ set, to *ratelimit.Rate }{
			{&l.Posts, &lim.Posts}, {&l.Comments, &lim.Comments}, {&l.Reactions, &lim.Reactions}, {&l.Flags, &lim.Flags},
		} {
			if r.set.Valid() {
				*r.to = *r.set
			}
		}
	}
	s := &Service{db: d, mod: mod, cfg: cfg,
		posts:     ratelimit.New("posts", lim.Posts, cfg.Clock),
		comments:  ratelimit.New("comments", lim.Comments, cfg.Clock),
		reactions: ratelimit.New("reactions", lim.Reactions, cfg.Clock),
		flags:     ratelimit.New("flags", lim.Flags, cfg.Clock),
	}
	mod.Register(postKind{s: s})
	mod.Register(commentKind{s: s})
	return s
}

// now is the clock's time without its monotonic reading, which the
// embedded SQLite driver would store and which then never equals a
// cursor's time (see reviews.Service.now).
func (s *Service) now() time.Time { return s.cfg.Clock.Now().Round(0) }

// customer returns the signed-in customer: posts are written by customers,
// not staff.
func customer(ctx context.Context) (*auth.Viewer, error) {
	return auth.RequireCustomer(ctx, "only customers write in the community; staff moderate")
}

// author reads the writing customer in tx and refuses a silenced one,
// saying until when and why.
func (s *Service) author(ctx context.Context, tx *ent.Tx, id int) (*ent.Customer, error) {
	cu, err := tx.Customer.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cu.SilencedUntil != nil && cu.SilencedUntil.After(s.cfg.Clock.Now()) {
		why := ""
		if cu.SilenceReason != nil {
			why = ": " + *cu.SilenceReason
		}
		return nil, errs.Errorf(errs.Forbidden, "you are silenced in the community until %s%s",
			cu.SilencedUntil.UTC().Format(time.RFC3339), why)
	}
	return cu, nil
}

// seesOriginal reports whether the viewer in ctx sees an item of
// authorID's as written (uncensored, with its watched words): its author
// and staff.
func seesOriginal(ctx context.Context, authorID int) bool {
	if auth.IsSystem(ctx) {
		return true
	}
	v, ok := auth.FromContext(ctx)
	return ok && (v.IsStaff() || v.IsCustomer() && v.CustomerID == authorID)
}
