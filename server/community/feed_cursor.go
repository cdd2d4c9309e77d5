package community

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/commentchange"
	"github.com/aftercart/aftercart/ent/postchange"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/live"
)

// A page and the live feed that keeps it current: a community page reads
// posts(topic:, first:) and then follows postAdded and postChanged; a post
// page reads the post's comments and then follows commentAdded. Without a
// position taken with the read, the page would have to subscribe first
// (and receive what it is about to read) or read first (and miss what
// commits in between). So a page carries feedCursor: the position of the
// feed's change log taken BEFORE the page's rows are read. Resuming after
// it replays every change committed after that moment: nothing is lost,
// and what committed between the position and the rows arrives twice (in
// the page and as an update). Clients merge by id, as the feeds' at-least-
// once contract already asks. A cursor is a position only: it says nothing
// the page does not, and subscribing with it runs the feed's own
// authorization.

// postFeedCursors encodes a posts page's position: a PostChange id that
// both postAdded and postChanged accept as `after` (PostFeeds.resume). Its
// own prefix keeps the two feeds' cursors apart as before, since a cursor
// of one feed is still refused by the other.
const postFeedCursors live.Cursors = "pf"

// PostPage is a page of posts with the post feeds' position when it was
// read (GraphQL PostConnection).
type PostPage struct {
	*ent.PostConnection
	// FeedCursor is the position of the page's post stream (its topic, or
	// all topics), read before the page's rows; "" when not asked for.
	FeedCursor string
}

// CommentPage is a page of a post's comments with its comment feed's
// position when it was read (GraphQL CommentConnection).
type CommentPage struct {
	*ent.CommentConnection
	// FeedCursor is a commentAdded cursor of the post, read before the
	// page's rows; "" when not asked for.
	FeedCursor string
}

// postFeedCursor is the feed cursor of stream topicID (AllTopics for all
// topics) now: its newest PostChange id.
//
// Why before the rows is enough: every writer of a stream holds its
// live.LockTopic from before inserting its change until it commits (the
// engine's commit-order contract), so every change at or below the newest
// committed id has committed too and the page, read after, shows it; any
// later one gets a higher id and is replayed.
func postFeedCursor(ctx context.Context, client *ent.Client, topicID int) (string, error) {
	p, err := latestPostChange(auth.WithSystem(ctx), client, topicID)
	if err != nil {
		return "", err
	}
	return postFeedCursors.Encode(p), nil
}

// latestPostChange is stream topicID's newest PostChange id (0 if none).
func latestPostChange(ctx context.Context, client *ent.Client, topicID int) (int, error) {
	ids, err := client.PostChange.Query().
		Where(postchange.TopicID(topicID)).
		Order(ent.Desc(postchange.FieldID)).
		Limit(1).
		IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// commentFeedCursor is the commentAdded cursor of postID now: its newest
// CommentChange id. Before the rows is enough for the same reason as
// postFeedCursor's: every writer of a post's comment log holds the post's
// row lock until it commits.
func commentFeedCursor(ctx context.Context, client *ent.Client, postID int) (string, error) {
	p, err := latestCommentChange(auth.WithSystem(ctx), client, postID)
	if err != nil {
		return "", err
	}
	return commentCursors.Encode(p), nil
}

// latestCommentChange is postID's newest CommentChange id (0 if none).
func latestCommentChange(ctx context.Context, client *ent.Client, postID int) (int, error) {
	ids, err := client.CommentChange.Query().
		Where(commentchange.PostID(postID)).
		Order(ent.Desc(commentchange.FieldID)).
		Limit(1).
		IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// resume turns a page's feed cursor into a cursor of feed (postAdded's or
// postChanged's), so that both accept it; any other cursor is passed as
// is, for the feed to decode (or refuse as INVALID_INPUT).
func resume(after *string, feed live.Cursors) *string {
	if after == nil {
		return nil
	}
	if p, err := postFeedCursors.Decode(*after); err == nil {
		c := feed.Encode(p)
		return &c
	}
	return after
}
