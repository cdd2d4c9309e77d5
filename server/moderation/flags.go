package moderation

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/flag"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/errs"
)

// Flags are customers' reports on any kind's items (server/community
// writes them and weighs them). The core owns what a staff decision does
// to them, because every kind's decisions pass through Moderate: a
// decision that takes the item down (REJECT, HIDE) upholds its OPEN flags,
// one that puts it up (APPROVE, RESTORE) rejects them. Settled flags make
// up each flagger's record, which weighs their next flags.

// Locked is an item read for update in a transaction, with its kind: what
// another concept (community flags) needs to change an item of any kind
// through that kind.
type Locked struct {
	Item
	kind Kind
}

// Type is the item's GraphQL type ("Review", "Post", "Comment").
func (l *Locked) Type() string { return l.kind.Type() }

// Lock reads item id of any registered kind for update in tx (through its
// Kind's Lock, the lock every writer of the item takes). An unknown id or
// an item of no registered kind is NOT_FOUND.
func (s *Service) Lock(ctx context.Context, tx *ent.Tx, id int) (*Locked, error) {
	n, err := tx.Client().Noder(ctx, id)
	if err != nil {
		return nil, errs.Errorf(errs.NotFound, "item %d not found", id)
	}
	k := s.kindOf(n)
	if k == nil {
		return nil, errs.Errorf(errs.NotFound, "item %d is not moderatable", id)
	}
	it, err := k.Lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return &Locked{Item: it, kind: k}, nil
}

// AutoHide hides a PUBLISHED item because its flags passed the threshold:
// its kind's SetStatus, then an "auto" decision in the trail, in tx. The
// item then waits in the queue (HIDDEN with OPEN flags) until staff
// decide. An item in any other status is left as it is (false).
func (s *Service) AutoHide(ctx context.Context, tx *ent.Tx, l *Locked, reason string) (bool, error) {
	if l.Status != types.ModerationPublished {
		return false, nil
	}
	if err := l.kind.SetStatus(ctx, tx, l.Item, types.ModerationHidden, &reason); err != nil {
		return false, err
	}
	if _, err := s.Record(ctx, tx, l.kind.Type(), l.Item, nil, types.ModerationHidden, &reason, AutoActor); err != nil {
		return false, err
	}
	if err := s.QueueMoved(ctx, tx, l.kind.Type(), l.ID, false, true); err != nil {
		return false, err
	}
	l.Status, l.Flagged = types.ModerationHidden, true
	return true, nil
}

// openFlags counts the item's OPEN flags.
func openFlags(ctx context.Context, tx *ent.Tx, id int) (int, error) {
	return tx.Flag.Query().Where(flag.ItemID(id), flag.OutcomeEQ(types.FlagOpen)).Count(ctx)
}

// settleFlags settles the item's OPEN flags after a staff action: UPHELD
// when it took the item down, REJECTED when it put it up; decided_at is
// the core's clock.
func (s *Service) settleFlags(ctx context.Context, tx *ent.Tx, id int, action types.ModerationAction) error {
	outcome := types.FlagRejected
	if action == types.ModerationReject || action == types.ModerationHide {
		outcome = types.FlagUpheld
	}
	return tx.Flag.Update().Where(flag.ItemID(id), flag.OutcomeEQ(types.FlagOpen)).
		SetOutcome(outcome).SetDecidedAt(s.now()).Exec(ctx)
}
