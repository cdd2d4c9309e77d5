package moderation

import (
	"strings"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/errs"
)

// Transition returns the status a staff action moves an item to from the
// status it is in, or a CONFLICT error when the action does not apply (an
// item cannot be approved twice or restored while published): a stale
// admin screen then learns the item moved on, instead of silently
// re-deciding it.
//
//	APPROVE  PENDING, REJECTED        → PUBLISHED
//	REJECT   PENDING, PUBLISHED, HIDDEN → REJECTED
//	HIDE     PUBLISHED                → HIDDEN
//	RESTORE  HIDDEN, REJECTED         → PUBLISHED
func Transition(from types.ModerationStatus, action types.ModerationAction) (types.ModerationStatus, error) {
	allowed := map[types.ModerationAction][]types.ModerationStatus{
		types.ModerationApprove: {types.ModerationPending, types.ModerationRejected},
		types.ModerationReject:  {types.ModerationPending, types.ModerationPublished, types.ModerationHidden},
		types.ModerationHide:    {types.ModerationPublished},
		types.ModerationRestore: {types.ModerationHidden, types.ModerationRejected},
	}
	to := map[types.ModerationAction]types.ModerationStatus{
		types.ModerationApprove: types.ModerationPublished,
		types.ModerationReject:  types.ModerationRejected,
		types.ModerationHide:    types.ModerationHidden,
		types.ModerationRestore: types.ModerationPublished,
	}
	froms, ok := allowed[action]
	if !ok {
		return "", errs.Invalid("action", "unknown action %q", action)
	}
	for _, f := range froms {
		if f == from {
			return to[action], nil
		}
	}
	return "", errs.Errorf(errs.Conflict, "cannot %s an item that is %s", strings.ToLower(string(action)), from)
}

// NeedsReason reports whether an action must say why: the author of
// rejected or hidden content is owed a reason, and the trail keeps it.
func NeedsReason(action types.ModerationAction) bool {
	return action == types.ModerationReject || action == types.ModerationHide
}
