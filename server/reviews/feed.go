package reviews

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/review"
	"github.com/aftercart/aftercart/ent/reviewreplychange"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/live"
)

// RepliesNamespace is the reply feed's topic namespace: a review's topic
// is "review:<id>". It is the wire format between instances.
const RepliesNamespace = "review"

// replyCursors encodes ReviewReplyChange ids for clients.
const replyCursors live.Cursors = "rr"

// ReplyTopic is the pubsub topic of a review's replies.
func ReplyTopic(reviewID int) string { return live.Topic(RepliesNamespace, reviewID) }

// ReplyUpdate is one new reply as a subscriber sees it (GraphQL
// ReviewReplyUpdate).
type ReplyUpdate struct {
	// Cursor identifies this update; pass it as `after` to resume after it.
	Cursor string
	// Reply is the reply added.
	Reply *ent.ReviewReply
	// public is whether the review was PUBLISHED when the reply was
	// written and still is when the change was read: the feed's Filter
	// shows other viewers only public changes.
	public       bool
	reviewAuthor int
}

// ReplyFeed streams a review's new replies (reviewReplyAdded); its topics
// are keyed by review id.
type ReplyFeed = live.Feed[int, *ReplyUpdate]

// NewReplyFeed registers the reply feed on e, reading through client.
//
// Commit order (the engine's contract): every transaction that writes a
// ReviewReplyChange holds the review's row lock first (Service.lock in
// Reply; SQLite serializes every writer), so within a review change ids
// increase in commit order.
func NewReplyFeed(e *live.Engine, client *ent.Client) *ReplyFeed {
	return live.NewFeed(e, live.Config[int, *ReplyUpdate]{
		Namespace: RepliesNamespace,
		Cursors:   replyCursors,
		Source:    replySource{client: client},
	})
}

// replySource is the reply feed's live.Source: a review's change log.
type replySource struct{ client *ent.Client }

// Authorize lets anyone who may see the review follow its replies
// (anonymous viewers included, for a published review); anyone else gets
// NOT_FOUND, as for a missing review. The Filter re-applies the rule to
// every change: a reply reaches other viewers only if the review was
// PUBLISHED when it was written and still is when the change is read. Once
// a review is hidden, rejected or back in the queue, its new replies reach
// only its author and staff, on streams opened while it was published too,
// and stay so on the stream if it is published again (the replies then
// show in the review's thread, as every reply of a published review does).
// Recording the state with the change makes this the same for every
// subscriber, however late each reads.
func (s replySource) Authorize(ctx context.Context, reviewID int) (live.Filter[*ReplyUpdate], error) {
	if _, err := s.client.Review.Query().Where(review.ID(reviewID)).OnlyID(ctx); ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "review %d not found", reviewID)
	} else if err != nil {
		return nil, err
	}
	v, _ := auth.FromContext(ctx)
	if v.IsStaff() {
		return nil, nil
	}
	return func(u *ReplyUpdate) bool {
		return u.public || v.IsCustomer() && v.CustomerID == u.reviewAuthor
	}, nil
}

// Read returns up to limit changes of the review after id, oldest first,
// with their replies and the review's current state (two statements for
// the page, one for the review).
func (s replySource) Read(ctx context.Context, reviewID, after, limit int) ([]live.Change[*ReplyUpdate], error) {
	rows, err := s.client.ReviewReplyChange.Query().
		Where(reviewreplychange.ReviewID(reviewID), reviewreplychange.IDGT(after)).
		Order(reviewreplychange.ByID()).
		Limit(limit).
		WithReply().
		All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	r, err := s.client.Review.Query().Where(review.ID(reviewID)).Select(review.FieldStatus, review.FieldCustomerID).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil // deleted since: its changes went with it
	} else if err != nil {
		return nil, err
	}
	out := make([]live.Change[*ReplyUpdate], len(rows))
	for i, c := range rows {
		out[i] = live.Change[*ReplyUpdate]{Position: c.ID, Value: &ReplyUpdate{
			Cursor: replyCursors.Encode(c.ID), Reply: c.Edges.Reply,
			public: c.Public && r.Status == types.ModerationPublished, reviewAuthor: r.CustomerID}}
	}
	return out, nil
}

// Latest returns the review's newest change id (0 if none).
func (s replySource) Latest(ctx context.Context, reviewID int) (int, error) {
	ids, err := s.client.ReviewReplyChange.Query().
		Where(reviewreplychange.ReviewID(reviewID)).
		Order(ent.Desc(reviewreplychange.FieldID)).
		Limit(1).
		IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}
