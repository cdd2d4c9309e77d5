package community

import (
	"context"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/post"
	"github.com/aftercart/aftercart/ent/postchange"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/topic"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/pubsub"
)

// The post feeds' topic namespaces: postAdded follows "posts:<topic id>",
// postChanged "postchanges:<topic id>", 0 standing for all topics. Both
// read the one PostChange log (a feed per namespace: the engine wakes a
// namespace's hubs with positions of that feed's log only, so both are
// notified). They are the wire format between instances.
const (
	PostsNamespace       = "posts"
	PostChangesNamespace = "postchanges"
)

// AllTopics is the stream key of every topic's posts.
const AllTopics = 0

// Cursors of the post feeds. Both encode PostChange ids, but a client
// holds each feed's cursors apart.
const (
	postAddedCursors   live.Cursors = "pa"
	postChangedCursors live.Cursors = "pc"
)

// PostUpdate is one change to a topic's visible posts as a subscriber sees
// it (GraphQL PostAddedUpdate for postAdded, PostFeedChange for
// postChanged).
type PostUpdate struct {
	// Cursor identifies this update in its feed; pass it as `after` to
	// resume after it.
	Cursor string
	// Kind is ADDED (the post became visible), UPDATED (a visible post was
	// edited) or REMOVED (it stopped being visible: hidden, rejected, held
	// again, deleted).
	Kind types.FeedChange
	// PostID is the post's id.
	PostID int
	// Post is the post as it is now; nil for REMOVED, so that a page
	// drops the post without ever receiving what was hidden.
	Post *ent.Post
}

// FeedMove is the change a visible-to-others item makes when it goes from
// visible was to visible is (edited: its content changed): ADDED, REMOVED,
// UPDATED, or none (ok false). "Visible" is what other viewers may see: a
// PUBLISHED post; a PUBLISHED comment on one.
func FeedMove(was, is, edited bool) (kind types.FeedChange, ok bool) {
	switch {
	case !was && is:
		return types.FeedAdded, true
	case was && !is:
		return types.FeedRemoved, true
	case was && is && edited:
		return types.FeedUpdated, true
	}
	return "", false
}

// visible reports whether an item in status reaches other viewers (for a
// comment, while its post does too).
func visible(status types.ModerationStatus) bool { return status == types.ModerationPublished }

// postMoved records what a post's move from visible was to visible is
// (edited: its content changed) shows other viewers, if anything (see
// FeedMove). The caller holds the post's row lock and calls it after
// writing the post, before taking the queue's lock (QueueMoved), the last
// of a writer's locks.
func (s *Service) postMoved(ctx context.Context, tx *ent.Tx, postID, topicID int, was, is, edited bool) error {
	kind, ok := FeedMove(was, is, edited)
	if !ok {
		return nil
	}
	return s.recordPostChange(ctx, tx, postID, topicID, kind)
}

// recordPostChange writes a post's change to both its streams, all topics
// and its topic, each under live.LockTopic of that stream taken in that
// fixed order (so two writers never wait on each other crosswise), and
// announces it to both post feeds on commit. Within a stream, change ids
// then follow commits (the engine's commit-order contract): every writer
// of the stream holds its lock from before its insert until it commits.
func (s *Service) recordPostChange(ctx context.Context, tx *ent.Tx, postID, topicID int, kind types.FeedChange) error {
	for _, stream := range []int{AllTopics, topicID} {
		if err := live.LockTopic(ctx, tx, s.db.Dialect, live.Topic(PostsNamespace, stream)); err != nil {
			return err
		}
		c, err := tx.PostChange.Create().SetTopicID(stream).SetPostID(postID).SetKind(kind).Save(ctx)
		if err != nil {
			return err
		}
		if s.cfg.Broker == nil {
			continue
		}
		for _, ns := range []string{PostsNamespace, PostChangesNamespace} {
			if err := s.cfg.Broker.Publish(ctx, tx, pubsub.Message{Topic: live.Topic(ns, stream), ID: c.ID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// PostFeeds streams a topic's visible posts: postAdded (posts that become
// visible) and postChanged (everything an open page must apply: added,
// edited, removed). Both are keyed by topic id, AllTopics for every topic.
type PostFeeds struct {
	client         *ent.Client
	added, changed *live.Feed[int, *PostUpdate]
}

// NewPostFeeds registers the post feeds on e, reading through client.
//
// Commit order (the engine's contract): every writer of a stream takes
// live.LockTopic on it before inserting its PostChange (recordPostChange;
// SQLite serializes every writer), so within a stream change ids increase
// in commit order.
func NewPostFeeds(e *live.Engine, client *ent.Client) *PostFeeds {
	return &PostFeeds{
		client: client,
		added: live.NewFeed(e, live.Config[int, *PostUpdate]{
			Namespace: PostsNamespace, Cursors: postAddedCursors,
			Source: postSource{client: client, cursors: postAddedCursors, addedOnly: true},
		}),
		changed: live.NewFeed(e, live.Config[int, *PostUpdate]{
			Namespace: PostChangesNamespace, Cursors: postChangedCursors,
			Source: postSource{client: client, cursors: postChangedCursors},
		}),
	}
}

// Added streams posts of topicSlug (nil: every topic) as they become
// visible to others: published at once, approved, restored. With after,
// first every one committed after that cursor. An unknown topic is
// NOT_FOUND. See live.Feed.Subscribe.
func (f *PostFeeds) Added(ctx context.Context, topicSlug, after *string, t live.Target, cursorVariable string) (<-chan *PostUpdate, error) {
	key, err := f.topicKey(ctx, topicSlug)
	if err != nil {
		return nil, err
	}
	return f.added.Subscribe(ctx, key, resume(after, postAddedCursors), t, cursorVariable)
}

// Changed streams every change to topicSlug's (nil: every topic's) visible
// posts: ADDED and UPDATED with the post, REMOVED with its id only. after
// is a cursor of this feed or a posts page's feedCursor.
func (f *PostFeeds) Changed(ctx context.Context, topicSlug, after *string, t live.Target, cursorVariable string) (<-chan *PostUpdate, error) {
	key, err := f.topicKey(ctx, topicSlug)
	if err != nil {
		return nil, err
	}
	return f.changed.Subscribe(ctx, key, resume(after, postChangedCursors), t, cursorVariable)
}

// AddedFeed and ChangedFeed are the underlying live feeds (for tests that
// drive the engine directly).
func (f *PostFeeds) AddedFeed() *live.Feed[int, *PostUpdate] { return f.added }

// ChangedFeed: see AddedFeed.
func (f *PostFeeds) ChangedFeed() *live.Feed[int, *PostUpdate] { return f.changed }

// topicKey names a topic's stream by slug; nil is AllTopics.
func (f *PostFeeds) topicKey(ctx context.Context, slug *string) (int, error) {
	if slug == nil {
		return AllTopics, nil
	}
	id, err := f.client.Topic.Query().Where(topic.Slug(strings.TrimSpace(*slug))).OnlyID(ctx)
	if ent.IsNotFound(err) {
		return 0, &errs.Error{Code: errs.NotFound, Field: "topic", Message: "no topic " + *slug}
	}
	return id, err
}

// postSource is a post feed's live.Source: one stream of the PostChange
// log. addedOnly keeps ADDED changes (postAdded).
type postSource struct {
	client    *ent.Client
	cursors   live.Cursors
	addedOnly bool
}

// Authorize lets anyone follow a topic that exists (topics and published
// posts are public). The Filter passes what others may see, the same for
// every viewer: ADDED and UPDATED only while the post is still PUBLISHED
// when the change is read (a post hidden since is not sent; its REMOVED
// follows), REMOVED always (it carries only the id). postAdded passes only
// the ADDED ones.
func (s postSource) Authorize(ctx context.Context, topicID int) (live.Filter[*PostUpdate], error) {
	if topicID != AllTopics {
		ok, err := s.client.Topic.Query().Where(topic.ID(topicID)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errs.Errorf(errs.NotFound, "topic %d not found", topicID)
		}
	}
	addedOnly := s.addedOnly
	return func(u *PostUpdate) bool {
		if u.Kind == types.FeedRemoved {
			return !addedOnly
		}
		if addedOnly && u.Kind != types.FeedAdded {
			return false
		}
		return u.Post != nil && u.Post.Status == types.ModerationPublished
	}, nil
}

// Read returns up to limit changes of the stream after id, oldest first,
// with their posts as they are now and what the posts' fields show (one
// statement for the page, then one each for the posts, their topics, media
// and tags).
func (s postSource) Read(ctx context.Context, topicID, after, limit int) ([]live.Change[*PostUpdate], error) {
	// Every change, postAdded's too: the engine counts a subscriber caught
	// up by position, so the Filter, not the query, drops what it skips.
	rows, err := s.client.PostChange.Query().
		Where(postchange.TopicID(topicID), postchange.IDGT(after)).
		Order(postchange.ByID()).
		Limit(limit).
		All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var ids []int
	for _, r := range rows {
		if r.Kind == types.FeedAdded || r.Kind == types.FeedUpdated && !s.addedOnly {
			ids = append(ids, r.PostID)
		}
	}
	posts := map[int]*ent.Post{}
	if len(ids) > 0 {
		ps, err := withEdges(s.client.Post.Query().Where(post.IDIn(ids...))).WithTopic().All(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			posts[p.ID] = p
		}
	}
	out := make([]live.Change[*PostUpdate], len(rows))
	for i, r := range rows {
		u := &PostUpdate{Cursor: s.cursors.Encode(r.ID), Kind: r.Kind, PostID: r.PostID}
		if r.Kind != types.FeedRemoved {
			u.Post = posts[r.PostID] // nil when deleted since; the filter drops it
		}
		out[i] = live.Change[*PostUpdate]{Position: r.ID, Value: u}
	}
	return out, nil
}

// Latest returns the stream's newest change id (0 if none), of any kind.
func (s postSource) Latest(ctx context.Context, topicID int) (int, error) {
	return latestPostChange(ctx, s.client, topicID)
}
