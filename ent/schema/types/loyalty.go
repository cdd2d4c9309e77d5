package types

import (
	"io"
	"strconv"
)

// The loyalty program's enums (server/loyalty/doc.go has the rules).

// EntryKind is why a loyalty ledger entry exists.
type EntryKind string

// The entry kinds.
const (
	// EntryOrder is earned for an order's delivered items.
	EntryOrder EntryKind = "ORDER"
	// EntryReview is earned for a published verified review.
	EntryReview EntryKind = "REVIEW"
	// EntryPost is earned for an approved community post.
	EntryPost EntryKind = "POST"
	// EntryReferral is earned for a completed referral (referrer or friend).
	EntryReferral EntryKind = "REFERRAL"
	// EntryRedeemed is spent on a reward.
	EntryRedeemed EntryKind = "REDEEMED"
	// EntryExpired is available points lost to inactivity.
	EntryExpired EntryKind = "EXPIRED"
	// EntryReversed takes back (part of) an earlier entry: a return, content
	// removed by moderation.
	EntryReversed EntryKind = "REVERSED"
	// EntryAdjusted is a staff correction, with a reason.
	EntryAdjusted EntryKind = "ADJUSTED"
	// EntryRefunded gives back the points of an unused reward code.
	EntryRefunded EntryKind = "REFUNDED"
)

var entryKinds = []EntryKind{EntryOrder, EntryReview, EntryPost, EntryReferral, EntryRedeemed, EntryExpired, EntryReversed, EntryAdjusted, EntryRefunded}

// Values lists the valid kinds; ent uses it to build the enum column.
func (EntryKind) Values() []string { return stringsOf(entryKinds) }

// Valid reports whether k is one of the known kinds.
func (k EntryKind) Valid() bool { return contains(entryKinds, k) }

// MarshalGQL writes the kind as a GraphQL enum value.
func (k EntryKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads a GraphQL enum value.
func (k *EntryKind) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, k, entryKinds, "LoyaltyEntryKind")
}

// EntryStatus is which balance an entry counts in. PENDING entries make up
// the pending balance; AVAILABLE, SPENT and REVERSED ones the available
// balance (SPENT marks points consumed from it: redeemed or expired;
// REVERSED a reversal). Only the release of pending points changes an
// entry's status (PENDING → AVAILABLE, or → REVERSED for a reversal of
// pending points); points never change.
type EntryStatus string

// The entry statuses.
const (
	// EntryPending counts in the pending balance until available_at.
	EntryPending EntryStatus = "PENDING"
	// EntryAvailable counts in the available balance.
	EntryAvailable EntryStatus = "AVAILABLE"
	// EntrySpent is a debit of the available balance (redeemed, expired).
	EntrySpent EntryStatus = "SPENT"
	// EntryReversedStatus is a reversal that counts in the available balance.
	EntryReversedStatus EntryStatus = "REVERSED"
)

var entryStatuses = []EntryStatus{EntryPending, EntryAvailable, EntrySpent, EntryReversedStatus}

// Values lists the valid statuses; ent uses it to build the enum column.
func (EntryStatus) Values() []string { return stringsOf(entryStatuses) }

// Valid reports whether s is one of the known statuses.
func (s EntryStatus) Valid() bool { return contains(entryStatuses, s) }

// Pending reports whether the entry counts in the pending balance (every
// other status counts in the available one).
func (s EntryStatus) Pending() bool { return s == EntryPending }

// MarshalGQL writes the status as a GraphQL enum value.
func (s EntryStatus) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *EntryStatus) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, s, entryStatuses, "LoyaltyEntryStatus")
}

// RewardKind is what a reward code does at checkout.
type RewardKind string

// The reward kinds.
const (
	// RewardAmountOff takes the code's value off the order.
	RewardAmountOff RewardKind = "AMOUNT_OFF"
	// RewardFreeShipping waives the shipping charge.
	RewardFreeShipping RewardKind = "FREE_SHIPPING"
)

var rewardKinds = []RewardKind{RewardAmountOff, RewardFreeShipping}

// Values lists the valid kinds; ent uses it to build the enum column.
func (RewardKind) Values() []string { return stringsOf(rewardKinds) }

// Valid reports whether k is one of the known kinds.
func (k RewardKind) Valid() bool { return contains(rewardKinds, k) }

// MarshalGQL writes the kind as a GraphQL enum value.
func (k RewardKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads a GraphQL enum value.
func (k *RewardKind) UnmarshalGQL(v any) error { return unmarshalEnum(v, k, rewardKinds, "RewardKind") }

// ReferralStatus is where a referral stands.
type ReferralStatus string

// The referral statuses.
const (
	// ReferralPending waits for the friend's first order to be delivered
	// and kept past its return window.
	ReferralPending ReferralStatus = "PENDING"
	// ReferralComplete paid both rewards.
	ReferralComplete ReferralStatus = "COMPLETE"
	// ReferralHeld is suspicious and waits for staff (hold_reason says why).
	ReferralHeld ReferralStatus = "HELD"
	// ReferralCanceled will never pay (staff canceled it, or the first
	// order was returned).
	ReferralCanceled ReferralStatus = "CANCELED"
)

var referralStatuses = []ReferralStatus{ReferralPending, ReferralComplete, ReferralHeld, ReferralCanceled}

// Values lists the valid statuses; ent uses it to build the enum column.
func (ReferralStatus) Values() []string { return stringsOf(referralStatuses) }

// Valid reports whether s is one of the known statuses.
func (s ReferralStatus) Valid() bool { return contains(referralStatuses, s) }

// MarshalGQL writes the status as a GraphQL enum value.
func (s ReferralStatus) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *ReferralStatus) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, s, referralStatuses, "ReferralStatus")
}
