package loyalty

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/itemreturn"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/money"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// What the GraphQL surface (schema/loyalty.graphql) calls: each command
// returns a result type the schema binds to, with the customer's standing
// after the change read once it has committed.

// DefaultRedeemRate lets a customer redeem a few rewards in a row, then one
// a minute: generous for a person at checkout, and a ceiling on a script
// draining a stolen account's points into codes.
var DefaultRedeemRate = ratelimit.Rate{Burst: 5, Every: time.Minute}

// EntryResult is a ledger entry written by staff and the customer's
// standing after it (GraphQL AdjustPointsPayload).
type EntryResult struct {
	Entry   *ent.LoyaltyEntry
	Loyalty *Standing
}

// AdjustPoints is Adjust with the customer's standing after it.
func (s *Service) AdjustPoints(ctx context.Context, in AdjustInput) (*EntryResult, error) {
	e, err := s.Adjust(ctx, in)
	if err != nil {
		return nil, err
	}
	st, err := s.Standing(ctx, in.CustomerID)
	if err != nil {
		return nil, err
	}
	return &EntryResult{Entry: e, Loyalty: st}, nil
}

// ReturnResult is a recorded return (GraphQL MarkItemsReturnedPayload).
type ReturnResult struct {
	OrderItem *ent.OrderItem
	// ReturnedQuantity is the line's units returned so far.
	ReturnedQuantity int
	Loyalty          *Standing
}

// ReturnItems is MarkReturned with the line, its returned units and the
// customer's standing after it.
func (s *Service) ReturnItems(ctx context.Context, in ReturnInput) (*ReturnResult, error) {
	if _, err := s.MarkReturned(ctx, in); err != nil {
		return nil, err
	}
	sys := systemCtx(ctx)
	it, err := s.db.OrderItem.Query().Where(orderitem.ID(in.OrderItemID)).WithOrder().Only(sys)
	if err != nil {
		return nil, err
	}
	rets, err := s.db.ItemReturn.Query().Where(itemreturn.OrderItemID(it.ID)).All(sys)
	if err != nil {
		return nil, err
	}
	res := &ReturnResult{OrderItem: it}
	for _, r := range rets {
		res.ReturnedQuantity += r.Quantity
	}
	if res.Loyalty, err = s.Standing(ctx, it.Edges.Order.CustomerID); err != nil {
		return nil, err
	}
	return res, nil
}

// CodeStatus is where a reward code stands (GraphQL RewardCodeStatus).
type CodeStatus string

// The code statuses.
const (
	CodeActive   CodeStatus = "ACTIVE"
	CodeUsed     CodeStatus = "USED"
	CodeRefunded CodeStatus = "REFUNDED"
	CodeExpired  CodeStatus = "EXPIRED"
)

// MarshalGQL writes the status as a GraphQL enum value.
func (c CodeStatus) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(c))) }

// UnmarshalGQL reads a GraphQL enum value.
func (c *CodeStatus) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch CodeStatus(s) {
	case CodeActive, CodeUsed, CodeRefunded, CodeExpired:
		*c = CodeStatus(s)
		return nil
	}
	return fmt.Errorf("%v is not a RewardCodeStatus", v)
}

// StatusOf is a code's status at now: used and refunded win over expired
// (an expired code that was used stays USED).
func StatusOf(rc *ent.RewardCode, now time.Time) CodeStatus {
	switch {
	case rc.UsedAt != nil:
		return CodeUsed
	case rc.RefundedAt != nil:
		return CodeRefunded
	case !rc.ExpiresAt.After(now):
		return CodeExpired
	}
	return CodeActive
}

// CodeStatus is a code's status as of the program's now.
func (s *Service) CodeStatus(rc *ent.RewardCode) CodeStatus { return StatusOf(rc, s.now()) }

// CodeValue is a code's value.
func CodeValue(rc *ent.RewardCode) money.Money {
	return money.Money{Minor: rc.ValueMinor, Currency: rc.Currency}
}

// RewardValue is a reward's value.
func RewardValue(rw *ent.Reward) money.Money {
	return money.Money{Minor: rw.ValueMinor, Currency: rw.Currency}
}

// Reward is the reward a code was issued for (system context: a code's
// holder may see its reward even once it is inactive).
func (s *Service) Reward(ctx context.Context, rc *ent.RewardCode) (*ent.Reward, error) {
	return s.db.Reward.Get(systemCtx(ctx), rc.RewardID)
}

// ParseCode reads a code as typed (NormalizeCode) and refuses what cannot
// be a code: INVALID_INPUT, so a typo is told apart from an unknown code.
func ParseCode(field, code string) (string, error) {
	c := NormalizeCode(code)
	if len(c) != CodeLen || strings.Trim(c, codeAlphabet) != "" {
		return "", errs.Invalid(field, "a reward code is %d letters and digits", CodeLen)
	}
	return c, nil
}

// UseCodeInput is the checkout's use of a code (GraphQL UseRewardCodeInput).
type UseCodeInput struct {
	Code     string `json:"code"`
	OrderRef string `json:"orderRef"`
}

// CodeResult is a code after a use or a refund (GraphQL RewardCodePayload).
type CodeResult struct {
	Code *ent.RewardCode
	// Entry is the refund's ledger entry; nil for a use.
	Entry *ent.LoyaltyEntry
}

// UseRewardCode is UseCode for the GraphQL surface.
func (s *Service) UseRewardCode(ctx context.Context, in UseCodeInput) (*CodeResult, error) {
	rc, err := s.UseCode(ctx, in.Code, in.OrderRef)
	if err != nil {
		return nil, err
	}
	return &CodeResult{Code: rc}, nil
}

// RefundRewardCode is RefundCode with the code as it is after.
func (s *Service) RefundRewardCode(ctx context.Context, code string) (*CodeResult, error) {
	e, err := s.RefundCode(ctx, code)
	if err != nil {
		return nil, err
	}
	rc, err := s.db.RewardCode.Get(systemCtx(ctx), *e.RewardCodeID)
	if err != nil {
		return nil, err
	}
	return &CodeResult{Code: rc, Entry: e}, nil
}
