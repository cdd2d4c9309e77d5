package rule

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/itemreturn"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/ent/rewardcode"
)

// The loyalty program's rows belong to one customer each: a customer sees
// their own, and another customer's ledger entry, code or referral looks
// exactly like a missing one.

// ScopeLoyaltyAccounts lets a customer see only their own account.
func ScopeLoyaltyAccounts() privacy.QueryRule {
	return privacy.LoyaltyAccountQueryRuleFunc(func(ctx context.Context, q *ent.LoyaltyAccountQuery) error {
		return scope(ctx, func(cid int) { q.Where(loyaltyaccount.CustomerID(cid)) })
	})
}

// ScopeLoyaltyEntries lets a customer see only their own ledger.
func ScopeLoyaltyEntries() privacy.QueryRule {
	return privacy.LoyaltyEntryQueryRuleFunc(func(ctx context.Context, q *ent.LoyaltyEntryQuery) error {
		return scope(ctx, func(cid int) { q.Where(loyaltyentry.CustomerID(cid)) })
	})
}

// ScopeRewardCodes lets a customer see only their own codes.
func ScopeRewardCodes() privacy.QueryRule {
	return privacy.RewardCodeQueryRuleFunc(func(ctx context.Context, q *ent.RewardCodeQuery) error {
		return scope(ctx, func(cid int) { q.Where(rewardcode.CustomerID(cid)) })
	})
}

// ScopeReferrals lets a customer see only the referrals they made (the
// friend's side shows as their own entries, not the referrer's data).
func ScopeReferrals() privacy.QueryRule {
	return privacy.ReferralQueryRuleFunc(func(ctx context.Context, q *ent.ReferralQuery) error {
		return scope(ctx, func(cid int) { q.Where(referral.ReferrerID(cid)) })
	})
}

// ScopeItemReturns lets a customer see only their own orders' returns.
func ScopeItemReturns() privacy.QueryRule {
	return privacy.ItemReturnQueryRuleFunc(func(ctx context.Context, q *ent.ItemReturnQuery) error {
		return scope(ctx, func(cid int) { q.Where(itemreturn.HasOrderItemWith(orderitem.HasOrderWith(order.CustomerID(cid)))) })
	})
}
