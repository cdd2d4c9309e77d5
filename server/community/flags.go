package community

import (
	"context"
	"fmt"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/flag"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
)

// MaxFlagNote bounds a flag's note.
const MaxFlagNote = 500

// FlagInput is a customer's flag (GraphQL FlagInput).
type FlagInput struct {
	ItemID int              `json:"itemId"`
	Reason types.FlagReason `json:"reason"`
	// Note says what is wrong; required for OTHER.
	Note *string `json:"note,omitempty"`
}

// FlagResult is the item flagged (GraphQL FlagPayload).
type FlagResult struct {
	// Item is the item as the flagger saw it when flagging: if the flag
	// hid it, they can no longer read it again.
	Item ent.Noder
}

// FlagWeight is what a customer's next flag adds to an item's score,
// from their settled flags: 2·(upheld+1)/(upheld+rejected+2), the
// smoothed share of their flags staff agreed with, doubled. A newcomer's
// flag weighs 1; a flagger staff keep agreeing with tends to 2, one whose
// flags staff keep clearing tends to 0. The +1/+2 smoothing keeps one
// early decision from swinging a weight to an extreme.
func FlagWeight(upheld, rejected int) float64 {
	return 2 * float64(upheld+1) / float64(upheld+rejected+2)
}

// PassesThreshold reports whether an item's flag score hides it.
func PassesThreshold(score, threshold float64) bool {
	// A small tolerance: three weights of 2/3 must reach 2, not 1.9999.
	return score >= threshold-1e-9
}

// Flag records the viewer's flag on a review, post or comment they can
// see, weighted by their record, and hides the item at once when its
// score (the sum of its OPEN flags' weights) reaches the threshold: its
// kind's status change and an "auto" decision, in the flag's transaction;
// it then waits in the queue for staff to uphold or clear the flags.
// Errors: INVALID_INPUT for an unknown reason, OTHER without a note, a
// long note; NOT_FOUND for an item the viewer may not see or that cannot
// be flagged; FORBIDDEN for one's own content, staff and silenced
// customers; CONFLICT for a second flag on one item; THROTTLED past the
// rate limit.
func (s *Service) Flag(ctx context.Context, in FlagInput) (*FlagResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	if !in.Reason.Valid() {
		return nil, errs.Invalid("input.reason", "unknown reason %q", in.Reason)
	}
	var note *string
	if in.Note != nil {
		t, err := checkText("input.note", *in.Note, MaxFlagNote, false)
		if err != nil {
			return nil, err
		}
		if t != "" {
			note = &t
		}
	}
	if in.Reason == types.FlagOther && note == nil {
		return nil, errs.Invalid("input.note", "say what is wrong when the reason is OTHER")
	}
	if err := s.flags.Allow(v.Subject); err != nil {
		return nil, err
	}
	// What the flagger can see, through the same rules as every read.
	seen, err := s.db.Noder(ctx, in.ItemID)
	if err != nil {
		return nil, &errs.Error{Code: errs.NotFound, Field: "input.itemId", Message: "no such item"}
	}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if _, err := s.author(ctx, tx, v.CustomerID); err != nil {
			return err
		}
		it, err := s.mod.Lock(ctx, tx, in.ItemID)
		if err != nil {
			return notFoundAt("input.itemId", err)
		}
		switch {
		case it.AuthorID != nil && *it.AuthorID == v.CustomerID:
			return &errs.Error{Code: errs.Forbidden, Field: "input.itemId", Message: "you cannot flag your own content"}
		case it.Status != types.ModerationPublished:
			return &errs.Error{Code: errs.NotFound, Field: "input.itemId", Message: "no such item"}
		}
		had, err := tx.Flag.Query().Where(flag.ItemID(it.ID), flag.CustomerID(v.CustomerID)).Exist(ctx)
		if err != nil {
			return err
		} else if had {
			return &errs.Error{Code: errs.Conflict, Field: "input.itemId", Message: "you have already flagged this"}
		}
		up, rej, err := flagRecord(ctx, tx, v.CustomerID)
		if err != nil {
			return err
		}
		if err := tx.Flag.Create().
			SetItemID(it.ID).
			SetItemType(it.Type()).
			SetNillableItemAuthorID(it.AuthorID).
			SetCustomerID(v.CustomerID).
			SetReason(in.Reason).
			SetNillableNote(note).
			SetWeight(FlagWeight(up, rej)).
			SetCreatedAt(s.now()).
			Exec(ctx); err != nil {
			return err
		}
		return s.score(ctx, tx, it)
	})
	if err != nil {
		return nil, err
	}
	return &FlagResult{Item: seen}, nil
}

// score sums the item's OPEN flags, keeps the sum on a post's or
// comment's row, and hides the item through the moderation core when it
// reaches the threshold (flagged_at marks when).
func (s *Service) score(ctx context.Context, tx *ent.Tx, it *moderation.Locked) error {
	ws, err := tx.Flag.Query().Where(flag.ItemID(it.ID), flag.OutcomeEQ(types.FlagOpen)).Select(flag.FieldWeight).Float64s(ctx)
	if err != nil {
		return err
	}
	sum := 0.0
	for _, w := range ws {
		sum += w
	}
	hidden := false
	if PassesThreshold(sum, s.cfg.FlagThreshold) {
		reason := fmt.Sprintf("flags passed the threshold (score %.2f of %.2f): hidden until staff decide", sum, s.cfg.FlagThreshold)
		if hidden, err = s.mod.AutoHide(ctx, tx, it, reason); err != nil {
			return err
		}
	}
	now := s.now()
	switch it.Type() {
	case postType:
		u := tx.Post.UpdateOneID(it.ID).SetFlagScore(sum)
		if hidden {
			u.SetFlaggedAt(now)
		}
		return u.Exec(ctx)
	case commentType:
		u := tx.Comment.UpdateOneID(it.ID).SetFlagScore(sum)
		if hidden {
			u.SetFlaggedAt(now)
		}
		return u.Exec(ctx)
	}
	return nil // reviews keep no score on the row: the flags table is it
}

// flagRecord counts the customer's settled flags: upheld and rejected.
func flagRecord(ctx context.Context, tx *ent.Tx, customerID int) (upheld, rejected int, err error) {
	var rows []struct {
		Outcome string `json:"outcome"`
		Count   int    `json:"count"`
	}
	err = tx.Flag.Query().
		Where(flag.CustomerID(customerID), flag.OutcomeIn(types.FlagUpheld, types.FlagRejected)).
		GroupBy(flag.FieldOutcome).Aggregate(ent.Count()).Scan(ctx, &rows)
	for _, r := range rows {
		switch types.FlagOutcome(strings.ToUpper(r.Outcome)) {
		case types.FlagUpheld:
			upheld = r.Count
		case types.FlagRejected:
			rejected = r.Count
		}
	}
	return upheld, rejected, err
}

// FlaggerRecord is a customer's settled flags and the weight of their next
// one, for staff and tests.
func (s *Service) FlaggerRecord(ctx context.Context, customerID int) (upheld, rejected int, weight float64, err error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return 0, 0, 0, err
	}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		upheld, rejected, err = flagRecord(ctx, tx, customerID)
		return err
	})
	return upheld, rejected, FlagWeight(upheld, rejected), err
}
