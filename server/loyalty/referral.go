package loyalty

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	entcustomer "github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// The referral program's error codes, beside the house's (a malformed
// code is INVALID_INPUT, an unknown one NOT_FOUND): a client shows each
// its own message.
const (
	// OwnReferralCode: a customer claimed their own code.
	OwnReferralCode errs.Code = "OWN_REFERRAL_CODE"
	// AlreadyReferred: the customer has claimed a code already (one
	// referral per friend).
	AlreadyReferred errs.Code = "ALREADY_REFERRED"
	// ReferralTooLate: the customer has ordered already; only a new
	// customer's first order can be referred.
	ReferralTooLate errs.Code = "REFERRAL_AFTER_FIRST_ORDER"
)

// The referral program's defaults (ReferralConfig's zero values).
const (
	DefaultReferrerPoints = 500
	DefaultFriendPoints   = 500
	DefaultWeeklyCap      = 5
	// DefaultSharePath is the share link's path on the server's base URL
	// when no ShareURL is configured: the web demo stands in for the
	// store's storefront, which reads ?ref= at sign-up or checkout.
	DefaultSharePath = "/demo/?ref={code}"
)

// DefaultClaimRate is ReferralConfig.ClaimRate's default: five claims,
// then one every ten minutes (a customer mistyping a code a few times is
// never stopped; a script trying codes is).
var DefaultClaimRate = ratelimit.Rate{Burst: 5, Every: 10 * time.Minute}

// ReferralConfig is the store's referral settings.
type ReferralConfig struct {
	// ShareURL is the share link's template: "{code}" is replaced by the
	// customer's code; a template without it gets ref=<code> added as a
	// query parameter. Empty: Base() + DefaultSharePath.
	ShareURL string
	// Base returns the server's base URL for the default share link
	// (read on use: the server knows its address once it listens).
	Base func() string
	// ReferrerPoints and FriendPoints are each side's reward (the defaults
	// when zero).
	ReferrerPoints, FriendPoints int64
	// WeeklyCap is how many referral rewards one referrer is paid in 7
	// days before further ones are held for staff (DefaultWeeklyCap when
	// zero; negative: no cap).
	WeeklyCap int
	// ClaimRate bounds each customer's claimReferral calls, successful or
	// not (DefaultClaimRate when zero): a claim is a guess at someone's
	// code, and one customer needs one.
	ClaimRate ratelimit.Rate
}

// Referrals is the referral program on top of the ledger: codes, claims,
// completion by the sweep, the fraud holds and staff decisions. It is
// safe for concurrent use.
type Referrals struct {
	s          *Service
	cfg        ReferralConfig
	claimLimit *ratelimit.Limiter
	notifier   ReferralNotifier
}

// ReferralNotifier is told of each completed referral, in the
// completion's transaction (ent.TxFromContext(ctx)): the outbox
// (notify.Service) queues the thanks there, so a completion that rolls
// back thanks no one. An interface set at assembly (Notify), so that the
// program does not import the outbox, which reads the program's rows.
type ReferralNotifier interface {
	// ReferralCompleted runs after both rewards are posted; its error
	// rolls the completion back.
	ReferralCompleted(ctx context.Context, ref *ent.Referral) error
}

// Notify makes completions tell n. Call it before serving.
func (r *Referrals) Notify(n ReferralNotifier) { r.notifier = n }

// NewReferrals returns the referral program of s, and registers its hooks
// on s's client (see registerReferralHooks).
func NewReferrals(s *Service, cfg ReferralConfig) *Referrals {
	if cfg.ReferrerPoints == 0 {
		cfg.ReferrerPoints = DefaultReferrerPoints
	}
	if cfg.FriendPoints == 0 {
		cfg.FriendPoints = DefaultFriendPoints
	}
	if cfg.WeeklyCap == 0 {
		cfg.WeeklyCap = DefaultWeeklyCap
	}
	if !cfg.ClaimRate.Valid() {
		cfg.ClaimRate = DefaultClaimRate
	}
	r := &Referrals{s: s, cfg: cfg, claimLimit: ratelimit.New("referral claims", cfg.ClaimRate, s.cfg.Clock)}
	r.registerHooks(s.db.Client)
	return r
}

// ShareURL is the share link for code.
func (r *Referrals) ShareURL(code string) string {
	t := r.cfg.ShareURL
	if t == "" {
		base := ""
		if r.cfg.Base != nil {
			base = strings.TrimSuffix(r.cfg.Base(), "/")
		}
		t = base + DefaultSharePath
	}
	if strings.Contains(t, "{code}") {
		return strings.ReplaceAll(t, "{code}", url.QueryEscape(code))
	}
	sep := "?"
	if strings.Contains(t, "?") {
		sep = "&"
	}
	return t + sep + "ref=" + url.QueryEscape(code)
}

// Program is a customer's part in the program (GraphQL ReferralProgram).
type Program struct {
	// CustomerID is the referrer.
	CustomerID int
	// Code is their referral code; ShareURL the link to share.
	Code, ShareURL string
}

// Program returns the customer's code and share link, issuing the code on
// first use. Only the customer themselves reads it (the caller checks).
func (r *Referrals) Program(ctx context.Context, customerID int) (*Program, error) {
	code, err := r.code(systemCtx(ctx), customerID)
	if err != nil {
		return nil, err
	}
	return &Program{CustomerID: customerID, Code: code, ShareURL: r.ShareURL(code)}, nil
}

// codeTries bounds retries of a code that collided with another's: at 40
// bits a collision is rare enough that a third means something is wrong.
const codeTries = 3

// code returns the customer's referral code, issuing it on first use
// under the account lock (two first reads at once issue one code). A
// new code that collides with another customer's violates the unique
// column and is drawn again.
func (r *Referrals) code(ctx context.Context, customerID int) (string, error) {
	a, err := r.s.db.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(customerID)).Only(ctx)
	if err == nil && a.ReferralCode != nil {
		return *a.ReferralCode, nil
	} else if err != nil && !ent.IsNotFound(err) {
		return "", err
	}
	var code string
	for try := 1; ; try++ {
		err = r.s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			a, err := r.s.lockAccount(ctx, tx.Client(), customerID)
			if err != nil {
				return err
			}
			if a.ReferralCode != nil {
				code = *a.ReferralCode
				return nil
			}
			code = NewCode(ReferralCodeLen)
			return tx.LoyaltyAccount.UpdateOne(a).SetReferralCode(code).Exec(ctx)
		})
		if err == nil || !ent.IsConstraintError(err) || try == codeTries {
			return code, err
		}
	}
}

// friendCustomer returns the signed-in customer claiming a code.
func friendCustomer(ctx context.Context) (*auth.Viewer, error) {
	v, ok := auth.FromContext(ctx)
	switch {
	case !ok:
		return nil, errs.Errorf(errs.Unauthenticated, "sign in to do this")
	case !v.IsCustomer():
		return nil, errs.Errorf(errs.Forbidden, "only customers claim referral codes")
	case v.CustomerID == 0:
		return nil, errs.Errorf(errs.Forbidden, "no customer has this token's email yet")
	}
	return v, nil
}

// Claimed is a successful claim (GraphQL ClaimReferralPayload).
type Claimed struct {
	// ReferrerDisplayName is who referred the customer, as others see
	// them ("Mina O.").
	ReferrerDisplayName string
	// Referral is the new referral (the friend cannot read it back: a
	// referral is its referrer's).
	Referral *ent.Referral
}

// Claim records that the signed-in customer was referred by code, before
// their first order. Errors, nothing written: INVALID_INPUT for a
// malformed code, NOT_FOUND for an unknown one, OWN_REFERRAL_CODE,
// ALREADY_REFERRED for a second claim, REFERRAL_AFTER_FIRST_ORDER once
// the customer has an order; THROTTLED past the customer's claim rate
// (ReferralConfig.ClaimRate), before anything is read.
func (r *Referrals) Claim(ctx context.Context, code string) (*Claimed, error) {
	v, err := friendCustomer(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.claimLimit.Allow(strconv.Itoa(v.CustomerID)); err != nil {
		return nil, err
	}
	var out *Claimed
	err = r.s.db.WithTx(systemCtx(ctx), func(ctx context.Context, tx *ent.Tx) error {
		out, err = r.claim(ctx, tx.Client(), v.CustomerID, code, "input.code", 0)
		return err
	})
	return out, err
}

// ClaimWithOrder records, in the import's transaction (c), that the
// store's order orderID came with the referral code: the friend's first
// order. The same code re-imported with the same order is a no-op; the
// errors are Claim's (field "referralCode"), and fail the import.
func (r *Referrals) ClaimWithOrder(ctx context.Context, c *ent.Client, friendID, orderID int, code string) error {
	_, err := r.claim(systemCtx(ctx), c, friendID, code, "referralCode", orderID)
	return err
}

// claim is Claim and ClaimWithOrder: under the friend's account lock (two
// claims of one friend run one after the other; the unique friend_id is
// the backstop), orderID the order that carries the code (0: none).
func (r *Referrals) claim(ctx context.Context, c *ent.Client, friendID int, raw, field string, orderID int) (*Claimed, error) {
	code := NormalizeCode(strings.TrimSpace(raw))
	if !ValidReferralCode(code) {
		return nil, errs.Invalid(field, "a referral code is %d letters and digits", ReferralCodeLen)
	}
	acct, err := c.LoyaltyAccount.Query().Where(loyaltyaccount.ReferralCode(code)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "no referral code %s", code)
	} else if err != nil {
		return nil, err
	}
	if acct.CustomerID == friendID {
		return nil, errs.Errorf(OwnReferralCode, "%s is your own referral code: share it with friends", code)
	}
	if _, err := r.s.lockAccount(ctx, c, friendID); err != nil {
		return nil, err
	}
	referrer, err := c.Customer.Get(ctx, acct.CustomerID)
	if err != nil {
		return nil, err
	}
	claimed := &Claimed{ReferrerDisplayName: moderation.DisplayName(referrer.FirstName, referrer.LastName)}
	prior, err := c.Referral.Query().Where(referral.FriendID(friendID)).Only(ctx)
	if err == nil {
		if orderID != 0 && prior.ReferrerID == acct.CustomerID && (prior.FirstOrderID == nil || *prior.FirstOrderID == orderID) {
			claimed.Referral = prior // the store passes the code the friend claimed, or re-imports the order
			return claimed, nil
		}
		return nil, errs.Errorf(AlreadyReferred, "you were referred already; a customer is referred once")
	} else if !ent.IsNotFound(err) {
		return nil, err
	}
	if ordered, err := c.Order.Query().Where(order.CustomerID(friendID), order.IDNEQ(orderID)).Exist(ctx); err != nil {
		return nil, err
	} else if ordered {
		return nil, errs.Errorf(ReferralTooLate, "referral codes are for a first order, and you have ordered before")
	}
	now := r.s.now()
	cr := c.Referral.Create().SetReferrerID(acct.CustomerID).SetFriendID(friendID).SetCode(code).
		SetCreatedAt(now).SetUpdatedAt(now)
	if orderID != 0 {
		cr.SetFirstOrderID(orderID)
	}
	if claimed.Referral, err = cr.Save(ctx); err != nil {
		return nil, err
	}
	return claimed, nil
}

// FriendDisplayName is how a referral names the friend to the referrer
// ("Ana L."): never their email or address.
func (r *Referrals) FriendDisplayName(ctx context.Context, ref *ent.Referral) (string, error) {
	f, err := r.s.db.Customer.Query().Where(entcustomer.ID(ref.FriendID)).Only(systemCtx(ctx))
	if err != nil {
		return "", err
	}
	return moderation.DisplayName(f.FirstName, f.LastName), nil
}

// referralRewardKey is the idempotency key of one side's reward.
func referralRewardKey(id int, side string) string { return fmt.Sprintf("referral:%d:%s", id, side) }

// pay posts both rewards of a referral (AVAILABLE at once: the friend's
// order is kept) and marks it COMPLETE, in the caller's transaction. The
// two accounts are locked in id order, so two completions sharing a
// customer cannot deadlock. Replays pay once (the keys).
func (r *Referrals) pay(ctx context.Context, c *ent.Client, ref *ent.Referral, now time.Time) error {
	first, second := min(ref.ReferrerID, ref.FriendID), max(ref.ReferrerID, ref.FriendID)
	for _, id := range []int{first, second} {
		if _, err := r.s.lockAccount(ctx, c, id); err != nil {
			return err
		}
	}
	names, err := c.Customer.Query().Where(entcustomer.IDIn(ref.ReferrerID, ref.FriendID)).All(ctx)
	if err != nil {
		return err
	}
	name := map[int]string{}
	for _, n := range names {
		name[n.ID] = moderation.DisplayName(n.FirstName, n.LastName)
	}
	for _, side := range []struct {
		who     int
		key     string
		points  int64
		because string
	}{
		{ref.ReferrerID, "referrer", r.cfg.ReferrerPoints, fmt.Sprintf("you referred %s", name[ref.FriendID])},
		{ref.FriendID, "friend", r.cfg.FriendPoints, fmt.Sprintf("welcome: %s referred you", name[ref.ReferrerID])},
	} {
		if _, err := r.s.post(ctx, c, side.who, entry{kind: types.EntryReferral, points: side.points, status: types.EntryAvailable,
			key: referralRewardKey(ref.ID, side.key),
			set: func(cr *ent.LoyaltyEntryCreate) { cr.SetReferralID(ref.ID).SetReason(side.because) }}); err != nil {
			return err
		}
	}
	if r.notifier != nil {
		return r.notifier.ReferralCompleted(ctx, ref)
	}
	return nil
}

// ClaimInput is GraphQL's ClaimReferralInput.
type ClaimInput struct {
	Code string `json:"code"`
}

// DecideInput is a staff decision on a referral (GraphQL
// DecideReferralInput).
type DecideInput struct {
	ReferralID int    `json:"referralId"`
	Reason     string `json:"reason"`
}

// Decided is a staff decision's result (GraphQL DecideReferralPayload).
type Decided struct {
	Referral *ent.Referral
}
