package types

import (
	"io"
	"strconv"
)

// ModerationStatus is where a piece of customer content (a review; posts and
// comments next) stands in moderation. Only PUBLISHED content reaches
// viewers other than its author and staff.
type ModerationStatus string

// The moderation statuses.
const (
	// ModerationPending waits for a staff decision.
	ModerationPending ModerationStatus = "PENDING"
	// ModerationPublished is visible to everyone.
	ModerationPublished ModerationStatus = "PUBLISHED"
	// ModerationRejected was refused by staff, with a reason its author sees.
	ModerationRejected ModerationStatus = "REJECTED"
	// ModerationHidden was published and then taken down by staff.
	ModerationHidden ModerationStatus = "HIDDEN"
)

var moderationStatuses = []ModerationStatus{ModerationPending, ModerationPublished, ModerationRejected, ModerationHidden}

// Values lists the valid statuses; ent uses it to build the enum column.
func (ModerationStatus) Values() []string { return stringsOf(moderationStatuses) }

// Valid reports whether s is one of the known statuses.
func (s ModerationStatus) Valid() bool { return contains(moderationStatuses, s) }

// MarshalGQL writes the status as a GraphQL enum value.
func (s ModerationStatus) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *ModerationStatus) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, s, moderationStatuses, "ModerationStatus")
}

// ModerationAction is a staff decision on a piece of content.
type ModerationAction string

// The moderation actions.
const (
	// ModerationApprove publishes pending (or rejected) content.
	ModerationApprove ModerationAction = "APPROVE"
	// ModerationReject refuses content, with a reason.
	ModerationReject ModerationAction = "REJECT"
	// ModerationHide takes published content down, with a reason.
	ModerationHide ModerationAction = "HIDE"
	// ModerationRestore publishes hidden or rejected content again.
	ModerationRestore ModerationAction = "RESTORE"
	// ModerationSilence silences an author (a decision about a customer,
	// not an item: the trail records it; moderate refuses it).
	ModerationSilence ModerationAction = "SILENCE"
	// ModerationUnsilence lifts an author's silence.
	ModerationUnsilence ModerationAction = "UNSILENCE"
)

// moderationActions are every action the trail records; ItemAction tells
// the ones moderate applies to content.
var moderationActions = []ModerationAction{ModerationApprove, ModerationReject, ModerationHide, ModerationRestore, ModerationSilence, ModerationUnsilence}

// Values lists the valid actions; ent uses it to build the enum column.
func (ModerationAction) Values() []string { return stringsOf(moderationActions) }

// Valid reports whether a is one of the known actions.
func (a ModerationAction) Valid() bool { return contains(moderationActions, a) }

// ItemAction reports whether a is a decision about a piece of content
// (APPROVE, REJECT, HIDE, RESTORE), as opposed to one about its author.
func (a ModerationAction) ItemAction() bool {
	return a == ModerationApprove || a == ModerationReject || a == ModerationHide || a == ModerationRestore
}

// MarshalGQL writes the action as a GraphQL enum value.
func (a ModerationAction) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(a))) }

// UnmarshalGQL reads a GraphQL enum value.
func (a *ModerationAction) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, a, moderationActions, "ModerationAction")
}

// WatchedWordAction is what a watched word does to content that contains it.
type WatchedWordAction string

// The watched-word actions.
const (
	// WatchedBlock refuses the write with INVALID_INPUT.
	WatchedBlock WatchedWordAction = "BLOCK"
	// WatchedRequireApproval holds the content as PENDING for staff.
	WatchedRequireApproval WatchedWordAction = "REQUIRE_APPROVAL"
	// WatchedFlag lets the content through as the other rules decide and
	// records the match on it for staff.
	WatchedFlag WatchedWordAction = "FLAG"
	// WatchedCensor lets the content through as the other rules decide,
	// with the word masked for every viewer but its author and staff
	// (community posts and comments keep a censored copy of their text).
	WatchedCensor WatchedWordAction = "CENSOR"
)

var watchedWordActions = []WatchedWordAction{WatchedBlock, WatchedRequireApproval, WatchedFlag, WatchedCensor}

// Values lists the valid actions; ent uses it to build the enum column.
func (WatchedWordAction) Values() []string { return stringsOf(watchedWordActions) }

// Valid reports whether a is one of the known actions.
func (a WatchedWordAction) Valid() bool { return contains(watchedWordActions, a) }

// MarshalGQL writes the action as a GraphQL enum value.
func (a WatchedWordAction) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(a)))
}

// UnmarshalGQL reads a GraphQL enum value.
func (a *WatchedWordAction) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, a, watchedWordActions, "WatchedWordAction")
}
