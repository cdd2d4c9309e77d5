package loyalty

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/money"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// InsufficientPoints is the error code of a debit the available balance
// does not cover (a redemption, a negative adjustment).
const InsufficientPoints errs.Code = "INSUFFICIENT_POINTS"

// The program's defaults (Config's zero values).
const (
	DefaultCurrency     = "EUR"
	DefaultReviewPoints = 50
	DefaultPostPoints   = 20
	DefaultExpireAfter  = 365 * 24 * time.Hour
)

// Config is the store's loyalty settings.
type Config struct {
	// Currency is the program's currency: tier thresholds and qualifying
	// spend are in it (DefaultCurrency when empty).
	Currency string
	// ReviewPoints and PostPoints are earned for a published verified
	// review and an approved post (the defaults when zero).
	ReviewPoints, PostPoints int64
	// ExpireAfter is how long available points last without activity
	// (DefaultExpireAfter when zero; negative never expires).
	ExpireAfter time.Duration
	// Clock is the program's now; nil is the real clock.
	Clock clockwork.Clock
	// RedeemRate bounds each customer's redemptions (DefaultRedeemRate
	// when zero).
	RedeemRate ratelimit.Rate
	// Broker announces LoyaltyChange rows after commit to every
	// instance's loyaltyUpdated subscribers; nil logs them only (a
	// subscriber resuming from a cursor still reads them).
	Broker pubsub.Broker
}

// Service is the loyalty program. It is safe for concurrent use.
type Service struct {
	db          *db.DB
	cfg         Config
	redeemLimit *ratelimit.Limiter
	// notifier hears of releases and tier changes (notifier.go); nil:
	// nobody.
	notifier Notifier
}

// NewService returns the program writing through d, and registers its
// hooks on d's client (see Register).
func NewService(d *db.DB, cfg Config) (*Service, error) {
	if cfg.Currency == "" {
		cfg.Currency = DefaultCurrency
	}
	cur, err := money.ParseCurrency(cfg.Currency)
	if err != nil {
		return nil, fmt.Errorf("loyalty: currency: %w", err)
	}
	cfg.Currency = cur
	if cfg.ReviewPoints == 0 {
		cfg.ReviewPoints = DefaultReviewPoints
	}
	if cfg.PostPoints == 0 {
		cfg.PostPoints = DefaultPostPoints
	}
	if cfg.ExpireAfter == 0 {
		cfg.ExpireAfter = DefaultExpireAfter
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if !cfg.RedeemRate.Valid() {
		cfg.RedeemRate = DefaultRedeemRate
	}
	s := &Service{db: d, cfg: cfg, redeemLimit: ratelimit.New("redemptions", cfg.RedeemRate, cfg.Clock)}
	s.Register(d.Client)
	return s, nil
}

// now is the clock's time without its monotonic reading (see
// reviews.Service.now: SQLite stores a time as its String()).
func (s *Service) now() time.Time { return s.cfg.Clock.Now().Round(0) }

// entry is a ledger entry to post.
type entry struct {
	kind   types.EntryKind
	points int64
	status types.EntryStatus
	key    string
	// set fills the links, reason, available_at and actor.
	set func(*ent.LoyaltyEntryCreate)
}

// lockAccount returns the customer's account read for update, creating it
// first: every writer of a customer's points takes this lock, so the
// ledger and the sums change in one order (Postgres; SQLite's immediate
// transactions are already serial).
func (s *Service) lockAccount(ctx context.Context, c *ent.Client, customerID int) (*ent.LoyaltyAccount, error) {
	err := c.LoyaltyAccount.Create().SetCustomerID(customerID).
		OnConflictColumns(loyaltyaccount.FieldCustomerID).DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	q := c.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(customerID))
	if s.db.LockForUpdate() {
		q.ForUpdate()
	}
	return q.Only(ctx)
}

// posted reports whether an entry with the key exists.
func posted(ctx context.Context, c *ent.Client, key string) (bool, error) {
	return c.LoyaltyEntry.Query().Where(loyaltyentry.IdempotencyKey(key)).Exist(ctx)
}

// post appends entries to the customer's ledger and moves the account's
// sums by the same amounts, in the caller's transaction, under the
// account lock: the one writer of both. An entry whose key exists is
// skipped (a replayed trigger). A debit the available balance does not
// cover is INSUFFICIENT_POINTS and writes nothing (the guarded update;
// the CHECK constraints are the backstop). It returns the entries written.
func (s *Service) post(ctx context.Context, c *ent.Client, customerID int, es ...entry) ([]*ent.LoyaltyEntry, error) {
	if _, err := s.lockAccount(ctx, c, customerID); err != nil {
		return nil, err
	}
	var dAvail, dPending int64
	activity := false
	var out []*ent.LoyaltyEntry
	for _, e := range es {
		if e.points == 0 {
			continue
		}
		if ok, err := posted(ctx, c, e.key); err != nil {
			return nil, err
		} else if ok {
			continue
		}
		cr := c.LoyaltyEntry.Create().SetCustomerID(customerID).SetKind(e.kind).SetPoints(e.points).
			SetStatus(e.status).SetIdempotencyKey(e.key).SetCreatedAt(s.now()).SetUpdatedAt(s.now())
		if e.set != nil {
			e.set(cr)
		}
		row, err := cr.Save(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
		if e.status.Pending() {
			dPending += e.points
		} else {
			dAvail += e.points
		}
		activity = activity || (e.kind != types.EntryExpired && e.kind != types.EntryReversed)
	}
	if len(out) == 0 {
		return nil, nil
	}
	upd := c.LoyaltyAccount.Update().
		Where(loyaltyaccount.CustomerID(customerID), loyaltyaccount.AvailableGTE(-dAvail), loyaltyaccount.PendingGTE(-dPending)).
		AddAvailable(dAvail).AddPending(dPending).SetUpdatedAt(s.now())
	if activity {
		upd.SetLastActivityAt(s.now())
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errs.Errorf(InsufficientPoints, "not enough points available")
	}
	return out, s.changed(ctx, c, customerID)
}

// Balance is a customer's balances.
type Balance struct {
	Available, Pending int64
}

// Audit checks the program's invariant for a customer: the account's sums
// equal the sums of their entries by status. It returns the balance, or an
// error naming the difference.
func (s *Service) Audit(ctx context.Context, customerID int) (Balance, error) {
	ctx = systemCtx(ctx)
	var b, sum Balance
	a, err := s.db.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(customerID)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return b, err
	}
	if a != nil {
		b = Balance{Available: a.Available, Pending: a.Pending}
	}
	es, err := s.db.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(customerID)).All(ctx)
	if err != nil {
		return b, err
	}
	for _, e := range es {
		if e.Status.Pending() {
			sum.Pending += e.Points
		} else {
			sum.Available += e.Points
		}
	}
	if sum != b {
		return b, fmt.Errorf("loyalty: customer %d's account says %+v, the ledger %+v", customerID, b, sum)
	}
	return b, nil
}

// isNoRows is what an INSERT … ON CONFLICT DO NOTHING RETURNING that
// inserted nothing reports: the row already existed.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// systemCtx runs the program's own reads and writes as system: callers
// have done their authorization (the privacy rules still filter what
// customers read through GraphQL).
func systemCtx(ctx context.Context) context.Context { return auth.WithSystem(ctx) }

// scaleOf is the currency's minor digits (the program's currency was
// validated at start).
func scaleOf(currency string) int { return max(money.Scale(currency), 0) }
