package loyalty

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"

	"entgo.io/contrib/entgql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/reward"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/money"
)

// Staff manage the catalogue and the tiers here. Rewards are never
// deleted (codes point at them): deactivating stops redemptions and leaves
// issued codes valid. Tiers may be deleted; every change of the tiers
// marks all accounts for re-tiering, which the sweep does on its schedule
// (Standing already shows the new tiers, computed at read time).

// Rewards is the catalogue for the viewer in ctx, cheapest first
// (RewardsOrder): active rewards; staff may include inactive ones
// (FORBIDDEN for anyone else).
func (s *Service) Rewards(ctx context.Context, includeInactive bool) (*ent.RewardQuery, error) {
	q := s.db.Reward.Query()
	if includeInactive {
		if err := auth.RequireStaff(ctx); err != nil {
			return nil, err
		}
		return q, nil
	}
	return q.Where(reward.Active(true)), nil
}

// RewardsOrder orders the catalogue cheapest first (ties by id).
var RewardsOrder = ent.WithRewardOrder(&ent.RewardOrder{Direction: entgql.OrderDirectionAsc, Field: ent.RewardOrderFieldPointsCost})

// MaxCodeValidDays bounds how long a code may stay valid.
const MaxCodeValidDays = 3660

// RewardInput is a new catalogue entry (GraphQL CreateRewardInput).
type RewardInput struct {
	Name          string           `json:"name"`
	PointsCost    int64            `json:"pointsCost"`
	Kind          types.RewardKind `json:"kind"`
	Value         string           `json:"value"`
	CurrencyCode  string           `json:"currencyCode"`
	CodeValidDays *int             `json:"codeValidDays,omitempty"`
}

// RewardUpdate changes a catalogue entry; nil fields stay (GraphQL
// UpdateRewardInput).
type RewardUpdate struct {
	Name          *string `json:"name,omitempty"`
	PointsCost    *int64  `json:"pointsCost,omitempty"`
	Value         *string `json:"value,omitempty"`
	CurrencyCode  *string `json:"currencyCode,omitempty"`
	CodeValidDays *int    `json:"codeValidDays,omitempty"`
	Active        *bool   `json:"active,omitempty"`
}

// RewardResult is a reward as stored (GraphQL RewardPayload).
type RewardResult struct {
	Reward *ent.Reward
}

// cleanName trims a required name and bounds it.
func cleanName(field, name string, maxLen int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxLen {
		return "", errs.Invalid(field, "1 to %d characters", maxLen)
	}
	return name, nil
}

// checkCost refuses a cost below 1 or absurdly high.
func checkCost(field string, cost int64) error {
	if cost < 1 || cost > MaxAdjustment {
		return errs.Invalid(field, "between 1 and %d points", MaxAdjustment)
	}
	return nil
}

// checkDays refuses a validity outside 1..MaxCodeValidDays.
func checkDays(field string, d int) error {
	if d < 1 || d > MaxCodeValidDays {
		return errs.Invalid(field, "between 1 and %d days", MaxCodeValidDays)
	}
	return nil
}

// rewardValue parses a reward's value: non-negative, zero for free shipping.
func rewardValue(kind types.RewardKind, value, currency string) (money.Money, error) {
	m, err := money.ParseNonNegative(value, currency)
	if e, ok := errs.As(err); ok {
		if e.Field == "currencyCode" {
			e.Field = "input.currencyCode"
		} else {
			e.Field = "input.value"
		}
		return m, e
	} else if err != nil {
		return m, err
	}
	if kind == types.RewardAmountOff && m.Minor == 0 {
		return m, errs.Invalid("input.value", "an AMOUNT_OFF reward needs a value above 0")
	}
	return m, nil
}

// CreateReward adds a reward to the catalogue (staff).
func (s *Service) CreateReward(ctx context.Context, in RewardInput) (*RewardResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	name, err := cleanName("input.name", in.Name, 128)
	if err != nil {
		return nil, err
	}
	if err := checkCost("input.pointsCost", in.PointsCost); err != nil {
		return nil, err
	}
	if !in.Kind.Valid() {
		return nil, errs.Invalid("input.kind", "unknown kind %q", in.Kind)
	}
	m, err := rewardValue(in.Kind, in.Value, in.CurrencyCode)
	if err != nil {
		return nil, err
	}
	days := 90
	if in.CodeValidDays != nil {
		days = *in.CodeValidDays
	}
	if err := checkDays("input.codeValidDays", days); err != nil {
		return nil, err
	}
	now := s.now()
	rw, err := s.db.Reward.Create().SetName(name).SetPointsCost(in.PointsCost).SetKind(in.Kind).SetValueMinor(m.Minor).
		SetCurrency(m.Currency).SetCodeValidDays(days).SetCreatedAt(now).SetUpdatedAt(now).Save(systemCtx(ctx))
	if err != nil {
		return nil, err
	}
	return &RewardResult{Reward: rw}, nil
}

// UpdateReward changes a reward (staff); codes already issued keep what
// they were issued with. NOT_FOUND for an unknown reward.
func (s *Service) UpdateReward(ctx context.Context, id int, in RewardUpdate) (*RewardResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	var out *ent.Reward
	err := s.db.WithTx(systemCtx(ctx), func(ctx context.Context, tx *ent.Tx) error {
		rw, err := tx.Reward.Get(ctx, id)
		if ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "reward %d not found", id)
		} else if err != nil {
			return err
		}
		upd := tx.Reward.UpdateOne(rw).SetUpdatedAt(s.now())
		if in.Name != nil {
			name, err := cleanName("input.name", *in.Name, 128)
			if err != nil {
				return err
			}
			upd.SetName(name)
		}
		if in.PointsCost != nil {
			if err := checkCost("input.pointsCost", *in.PointsCost); err != nil {
				return err
			}
			upd.SetPointsCost(*in.PointsCost)
		}
		if in.Value != nil || in.CurrencyCode != nil {
			value, cur := money.Money{Minor: rw.ValueMinor, Currency: rw.Currency}.Amount(), rw.Currency
			if in.Value != nil {
				value = *in.Value
			}
			if in.CurrencyCode != nil {
				cur = *in.CurrencyCode
			}
			m, err := rewardValue(rw.Kind, value, cur)
			if err != nil {
				return err
			}
			upd.SetValueMinor(m.Minor).SetCurrency(m.Currency)
		}
		if in.CodeValidDays != nil {
			if err := checkDays("input.codeValidDays", *in.CodeValidDays); err != nil {
				return err
			}
			upd.SetCodeValidDays(*in.CodeValidDays)
		}
		if in.Active != nil {
			upd.SetActive(*in.Active)
		}
		out, err = upd.Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &RewardResult{Reward: out}, nil
}

// DeactivateReward stops a reward from being redeemed (staff).
func (s *Service) DeactivateReward(ctx context.Context, id int) (*RewardResult, error) {
	off := false
	return s.UpdateReward(ctx, id, RewardUpdate{Active: &off})
}

// TierInput is a tier's settings (GraphQL LoyaltyTierInput).
type TierInput struct {
	Name           string   `json:"name"`
	Threshold      string   `json:"threshold"`
	EarnMultiplier float64  `json:"earnMultiplier"`
	Benefits       []string `json:"benefits"`
}

// TierResult is a tier as stored (GraphQL LoyaltyTierPayload).
type TierResult struct {
	Tier *ent.LoyaltyTier
}

// TierDeleteResult names a deleted tier (GraphQL DeleteLoyaltyTierPayload).
type TierDeleteResult struct {
	DeletedID int
}

// Bounds of a tier's benefits.
const (
	MaxBenefits   = 20
	MaxBenefitLen = 200
)

// tierFields validates a tier's settings: the threshold in the program's
// currency, the multiplier in whole hundredths.
func (s *Service) tierFields(in TierInput) (name string, threshold int64, percent int, benefits []string, err error) {
	if name, err = cleanName("input.name", in.Name, 64); err != nil {
		return
	}
	m, perr := money.ParseNonNegative(in.Threshold, s.cfg.Currency)
	if perr != nil {
		err = errs.Invalid("input.threshold", "a non-negative amount in %s, e.g. \"500.00\"", s.cfg.Currency)
		return
	}
	threshold = m.Minor
	p := math.Round(in.EarnMultiplier * 100)
	if math.IsNaN(p) || p < 1 || p > 10000 || math.Abs(in.EarnMultiplier*100-p) > 1e-6 {
		err = errs.Invalid("input.earnMultiplier", "from 0.01 to 100, in hundredths")
		return
	}
	percent = int(p)
	if len(in.Benefits) > MaxBenefits {
		err = errs.Invalid("input.benefits", "at most %d", MaxBenefits)
		return
	}
	for _, b := range in.Benefits {
		b, berr := cleanName("input.benefits", b, MaxBenefitLen)
		if berr != nil {
			err = berr
			return
		}
		benefits = append(benefits, b)
	}
	return
}

// CreateTier adds a tier (staff). CONFLICT when its name or threshold is
// taken.
func (s *Service) CreateTier(ctx context.Context, in TierInput) (*TierResult, error) {
	return s.saveTier(ctx, nil, in)
}

// UpdateTier changes a tier (staff). NOT_FOUND for an unknown tier;
// CONFLICT when its new name or threshold is taken.
func (s *Service) UpdateTier(ctx context.Context, id int, in TierInput) (*TierResult, error) {
	return s.saveTier(ctx, &id, in)
}

func (s *Service) saveTier(ctx context.Context, id *int, in TierInput) (*TierResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	name, threshold, percent, benefits, err := s.tierFields(in)
	if err != nil {
		return nil, err
	}
	// Ensure the defaults exist first: a program whose first tier staff
	// create must not get the defaults added beside it later.
	if _, err := s.TierRows(ctx); err != nil {
		return nil, err
	}
	var out *ent.LoyaltyTier
	err = s.db.WithTx(systemCtx(ctx), func(ctx context.Context, tx *ent.Tx) error {
		now := s.now()
		if id == nil {
			out, err = tx.LoyaltyTier.Create().SetName(name).SetThresholdMinor(threshold).SetMultiplierPercent(percent).
				SetBenefits(benefits).SetCreatedAt(now).SetUpdatedAt(now).Save(ctx)
		} else {
			out, err = tx.LoyaltyTier.UpdateOneID(*id).SetName(name).SetThresholdMinor(threshold).SetMultiplierPercent(percent).
				SetBenefits(benefits).SetUpdatedAt(now).Save(ctx)
			if ent.IsNotFound(err) {
				return errs.Errorf(errs.NotFound, "tier %d not found", *id)
			}
		}
		if ent.IsConstraintError(err) {
			return errs.Errorf(errs.Conflict, "another tier has the name %q or the threshold %s", name, in.Threshold)
		} else if err != nil {
			return err
		}
		return s.retierAll(ctx, tx.Client())
	})
	if err != nil {
		return nil, err
	}
	return &TierResult{Tier: out}, nil
}

// DeleteTier removes a tier (staff); its customers fall to the tier their
// spend reaches at the next sweep. NOT_FOUND for an unknown tier.
func (s *Service) DeleteTier(ctx context.Context, id int) (*TierDeleteResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	err := s.db.WithTx(systemCtx(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if err := tx.LoyaltyTier.DeleteOneID(id).Exec(ctx); ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "tier %d not found", id)
		} else if err != nil {
			return err
		}
		return s.retierAll(ctx, tx.Client())
	})
	if err != nil {
		return nil, err
	}
	return &TierDeleteResult{DeletedID: id}, nil
}

// retierAll marks every account for re-tiering now: the sweep finds them
// by tier_review_at and recomputes each under its own lock.
func (s *Service) retierAll(ctx context.Context, c *ent.Client) error {
	return c.LoyaltyAccount.Update().SetTierReviewAt(s.now()).Exec(ctx)
}
