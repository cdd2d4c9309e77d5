package types

import (
	"io"
	"strconv"
)

// ReactionKind is one of the fixed reactions a customer can leave on a
// community post. The set is fixed so that a post keeps one counter per
// kind on its own row (see server/community).
type ReactionKind string

// The reactions.
const (
	ReactionLike    ReactionKind = "LIKE"
	ReactionLove    ReactionKind = "LOVE"
	ReactionHelpful ReactionKind = "HELPFUL"
)

// ReactionKinds lists the reactions in the order they are shown.
var ReactionKinds = []ReactionKind{ReactionLike, ReactionLove, ReactionHelpful}

// Values lists the valid kinds; ent uses it to build the enum column.
func (ReactionKind) Values() []string { return stringsOf(ReactionKinds) }

// Valid reports whether k is one of the known kinds.
func (k ReactionKind) Valid() bool { return contains(ReactionKinds, k) }

// MarshalGQL writes the kind as a GraphQL enum value.
func (k ReactionKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads a GraphQL enum value.
func (k *ReactionKind) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, k, ReactionKinds, "ReactionKind")
}

// FlagReason is why a customer flags content.
type FlagReason string

// The flag reasons.
const (
	FlagSpam      FlagReason = "SPAM"
	FlagOffensive FlagReason = "OFFENSIVE"
	FlagOffTopic  FlagReason = "OFF_TOPIC"
	// FlagOther needs a note saying what is wrong.
	FlagOther FlagReason = "OTHER"
)

var flagReasons = []FlagReason{FlagSpam, FlagOffensive, FlagOffTopic, FlagOther}

// Values lists the valid reasons; ent uses it to build the enum column.
func (FlagReason) Values() []string { return stringsOf(flagReasons) }

// Valid reports whether r is one of the known reasons.
func (r FlagReason) Valid() bool { return contains(flagReasons, r) }

// MarshalGQL writes the reason as a GraphQL enum value.
func (r FlagReason) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL reads a GraphQL enum value.
func (r *FlagReason) UnmarshalGQL(v any) error { return unmarshalEnum(v, r, flagReasons, "FlagReason") }

// FlagOutcome is what became of a flag: it counts toward its item's score
// while OPEN; a staff decision on the item settles it, and settled flags
// make up the flagger's record (which weighs their next flags).
type FlagOutcome string

// The flag outcomes.
const (
	FlagOpen FlagOutcome = "OPEN"
	// FlagUpheld: staff agreed (the item stayed hidden or was removed).
	FlagUpheld FlagOutcome = "UPHELD"
	// FlagRejected: staff cleared the item.
	FlagRejected FlagOutcome = "REJECTED"
)

var flagOutcomes = []FlagOutcome{FlagOpen, FlagUpheld, FlagRejected}

// Values lists the valid outcomes; ent uses it to build the enum column.
func (FlagOutcome) Values() []string { return stringsOf(flagOutcomes) }

// MarshalGQL writes the value as a GraphQL enum value (entgql requires it
// of every enum it sees, exposed or not).
func (o FlagOutcome) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(o))) }

// UnmarshalGQL reads a GraphQL enum value.
func (o *FlagOutcome) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, o, flagOutcomes, "FlagOutcome")
}

// CommunityTrust is staff's override of the automatic trust rule for one
// customer (server/community.Trusted).
type CommunityTrust string

// The trust settings.
const (
	// TrustAuto leaves the decision to the automatic rule.
	TrustAuto CommunityTrust = "AUTO"
	// TrustTrusted publishes the customer's posts at once (watched words
	// still apply).
	TrustTrusted CommunityTrust = "TRUSTED"
	// TrustRestricted holds every post of the customer for approval.
	TrustRestricted CommunityTrust = "RESTRICTED"
)

var communityTrusts = []CommunityTrust{TrustAuto, TrustTrusted, TrustRestricted}

// Values lists the valid settings; ent uses it to build the enum column.
func (CommunityTrust) Values() []string { return stringsOf(communityTrusts) }

// Valid reports whether t is one of the known settings.
func (t CommunityTrust) Valid() bool { return contains(communityTrusts, t) }

// MarshalGQL writes the setting as a GraphQL enum value.
func (t CommunityTrust) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(t))) }

// UnmarshalGQL reads a GraphQL enum value.
func (t *CommunityTrust) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, t, communityTrusts, "CommunityTrust")
}

// FeedChange is what a community feed's change-log row says happened to
// its item, as seen by viewers other than the author and staff.
type FeedChange string

// The feed changes.
const (
	// FeedAdded: the item became visible (published at once, approved or
	// restored).
	FeedAdded FeedChange = "ADDED"
	// FeedUpdated: a visible item was edited.
	FeedUpdated FeedChange = "UPDATED"
	// FeedRemoved: a visible item stopped being visible (hidden, rejected,
	// held again, deleted): open pages drop it.
	FeedRemoved FeedChange = "REMOVED"
)

var feedChanges = []FeedChange{FeedAdded, FeedUpdated, FeedRemoved}

// Values lists the valid changes; ent uses it to build the enum column.
func (FeedChange) Values() []string { return stringsOf(feedChanges) }

// MarshalGQL writes the value as a GraphQL enum value (entgql requires it
// of every enum it sees, exposed or not).
func (c FeedChange) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(c))) }

// UnmarshalGQL reads a GraphQL enum value.
func (c *FeedChange) UnmarshalGQL(v any) error { return unmarshalEnum(v, c, feedChanges, "FeedChange") }

// QueueChange is how an item moved in the moderation queue.
type QueueChange string

// The queue changes.
const (
	// QueueEntered: the item now waits for a staff decision.
	QueueEntered QueueChange = "ENTERED"
	// QueueLeft: the item no longer waits (decided, deleted).
	QueueLeft QueueChange = "LEFT"
)

var queueChanges = []QueueChange{QueueEntered, QueueLeft}

// Values lists the valid changes; ent uses it to build the enum column.
func (QueueChange) Values() []string { return stringsOf(queueChanges) }

// MarshalGQL writes the value as a GraphQL enum value (entgql requires it
// of every enum it sees, exposed or not).
func (c QueueChange) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(c))) }

// UnmarshalGQL reads a GraphQL enum value.
func (c *QueueChange) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, c, queueChanges, "QueueChange")
}
