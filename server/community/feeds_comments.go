package community

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/comment"
	"github.com/aftercart/aftercart/ent/commentchange"
	"github.com/aftercart/aftercart/ent/post"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/pubsub"
)

// CommentsNamespace is the comment feed's topic namespace: a post's
// topic is "comments:<post id>". It is the wire format between instances.
const CommentsNamespace = "comments"

// commentCursors encodes CommentChange ids for clients.
const commentCursors live.Cursors = "cc"

// CommentTopic is the pubsub topic of a post's comments.
func CommentTopic(postID int) string { return live.Topic(CommentsNamespace, postID) }

// CommentUpdate is one change to a post's comments as a subscriber sees
// it (GraphQL CommentUpdate).
type CommentUpdate struct {
	// Cursor identifies this update; pass it as `after` to resume after it.
	Cursor string
	// Kind is ADDED, UPDATED or REMOVED (see FeedMove).
	Kind types.FeedChange
	// CommentID is the comment's id.
	CommentID int
	// Comment is the comment as it is now; nil for REMOVED.
	Comment *ent.Comment

	// public is whether the change was public when written and its post
	// is still PUBLISHED when read; authorID is the comment's author, who
	// sees their own changes.
	public   bool
	authorID int
}

// commentMoved records what comment c's move from visible was to visible
// is (edited: its text changed) shows other viewers, if anything (see
// FeedMove; visible: PUBLISHED). c is the comment as written (its row as it
// was, for a delete). Every transaction that adds a comment (was false),
// edits one, changes its status (commentKind.SetStatus, a flag's auto-hide)
// or deletes one (is false) calls it, holding the post's row lock (see
// recordCommentChange).
func (s *Service) commentMoved(ctx context.Context, tx *ent.Tx, c *ent.Comment, was, is, edited bool) error {
	kind, ok := FeedMove(was, is, edited)
	if !ok {
		return nil
	}
	return s.recordCommentChange(ctx, tx, c, kind)
}

// recordCommentChange writes a change of comment c to its post's comment
// log and announces it on commit. public (who may see the change besides
// the comment's author and staff) is fixed here: the post is PUBLISHED and,
// unless the change is a REMOVED (which carries only the id), so is the
// comment.
//
// Commit order (the engine's contract): the caller must hold the post's
// row lock (Service.lock, the lock every writer of a post takes), taken
// before it wrote anything, so that a post's change ids follow its
// commits. Every transaction that adds a comment, edits one, or changes
// its status calls it, through commentMoved.
func (s *Service) recordCommentChange(ctx context.Context, tx *ent.Tx, c *ent.Comment, kind types.FeedChange) error {
	p, err := tx.Post.Query().Where(post.ID(c.PostID)).Select(post.FieldStatus).Only(ctx)
	if err != nil {
		return err
	}
	public := p.Status == types.ModerationPublished && (kind == types.FeedRemoved || c.Status == types.ModerationPublished)
	ch, err := tx.CommentChange.Create().SetPostID(c.PostID).SetCommentID(c.ID).SetKind(kind).
		SetPublic(public).SetAuthorID(c.CustomerID).Save(ctx)
	if err != nil {
		return err
	}
	if s.cfg.Broker == nil {
		return nil
	}
	return s.cfg.Broker.Publish(ctx, tx, pubsub.Message{Topic: CommentTopic(c.PostID), ID: ch.ID})
}

// CommentFeed streams a post's comment changes (commentAdded); its topics
// are keyed by post id.
type CommentFeed = live.Feed[int, *CommentUpdate]

// NewCommentFeed registers the comment feed on e, reading through client.
//
// Commit order: every writer of a post's CommentChange holds the post's
// row lock (recordCommentChange; SQLite serializes every writer).
func NewCommentFeed(e *live.Engine, client *ent.Client) *CommentFeed {
	return live.NewFeed(e, live.Config[int, *CommentUpdate]{
		Namespace: CommentsNamespace,
		Cursors:   commentCursors,
		Source:    commentSource{client: client},
	})
}

// commentSource is the comment feed's live.Source: a post's CommentChange
// log.
type commentSource struct{ client *ent.Client }

// Authorize lets anyone who may see the post follow its comments; anyone
// else gets NOT_FOUND, as for a missing post. The Filter: staff see every
// change; a comment's author sees their own; anyone else sees public
// changes while the post is still PUBLISHED, and ADDED and UPDATED only
// while the comment is still PUBLISHED too (one hidden since is not sent;
// its REMOVED follows).
func (s commentSource) Authorize(ctx context.Context, postID int) (live.Filter[*CommentUpdate], error) {
	ok, err := s.client.Post.Query().Where(post.ID(postID)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.Errorf(errs.NotFound, "post %d not found", postID)
	}
	v, _ := auth.FromContext(ctx)
	if v.IsStaff() {
		return nil, nil
	}
	return func(u *CommentUpdate) bool {
		if v.IsCustomer() && v.CustomerID == u.authorID {
			return u.Kind == types.FeedRemoved || u.Comment != nil
		}
		if !u.public {
			return false
		}
		return u.Kind == types.FeedRemoved || u.Comment != nil && u.Comment.Status == types.ModerationPublished
	}, nil
}

// Read returns up to limit changes of the post after id, oldest first,
// with their comments as they are now and the post's status (three
// statements).
func (s commentSource) Read(ctx context.Context, postID, after, limit int) ([]live.Change[*CommentUpdate], error) {
	rows, err := s.client.CommentChange.Query().
		Where(commentchange.PostID(postID), commentchange.IDGT(after)).
		Order(commentchange.ByID()).
		Limit(limit).
		All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	p, err := s.client.Post.Query().Where(post.ID(postID)).Select(post.FieldStatus).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil // deleted since: its changes went with it
	} else if err != nil {
		return nil, err
	}
	var ids []int
	for _, r := range rows {
		if r.Kind != types.FeedRemoved {
			ids = append(ids, r.CommentID)
		}
	}
	comments := map[int]*ent.Comment{}
	if len(ids) > 0 {
		cs, err := s.client.Comment.Query().Where(comment.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			comments[c.ID] = c
		}
	}
	published := p.Status == types.ModerationPublished
	out := make([]live.Change[*CommentUpdate], len(rows))
	for i, r := range rows {
		u := &CommentUpdate{Cursor: commentCursors.Encode(r.ID), Kind: r.Kind, CommentID: r.CommentID,
			public: r.Public && published, authorID: r.AuthorID}
		if r.Kind != types.FeedRemoved {
			u.Comment = comments[r.CommentID]
		}
		out[i] = live.Change[*CommentUpdate]{Position: r.ID, Value: u}
	}
	return out, nil
}

// Latest returns the post's newest comment change id (0 if none).
func (s commentSource) Latest(ctx context.Context, postID int) (int, error) {
	return latestCommentChange(ctx, s.client, postID)
}
