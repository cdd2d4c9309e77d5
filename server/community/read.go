package community

import (
	"context"

	"entgo.io/contrib/entgql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/post"
	"github.com/aftercart/aftercart/ent/postproduct"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/topic"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
)

// Page is a connection page request.
type Page struct {
	After, Before *entgql.Cursor[int]
	First, Last   *int
	// FeedCursor asks for the live feed's position with the page (see
	// PostPage): one more statement, read before the rows.
	FeedCursor bool
	// TotalCount asks for the connection's totalCount where the page is
	// not read by entgql's Paginate (which sees the selection itself).
	TotalCount bool
}

// newestPublished orders the feed: by first publication, newest first
// (ties by id, which entgql adds).
var newestPublished = &ent.PostOrder{Direction: entgql.OrderDirectionDesc, Field: ent.PostOrderFieldPublishedAt}

// newestWritten orders an author's own posts, whatever their state.
var newestWritten = &ent.PostOrder{Direction: entgql.OrderDirectionDesc, Field: ent.PostOrderFieldCreatedAt}

// Feed lists PUBLISHED posts, in one topic (by slug) or across all, newest
// first or, with SortTopWeek, most reacted in the last 7 days (see
// topPage). The viewer's own unpublished posts are not in it (they are in
// Mine); an unknown topic is NOT_FOUND. A page's media and tags are
// eager-loaded with it. With p.FeedCursor, the page carries the position
// of the topic's post feeds, taken before its rows.
func (s *Service) Feed(ctx context.Context, topicSlug *string, sort Sort, p Page) (*PostPage, error) {
	q := s.db.Post.Query().Where(post.StatusEQ(types.ModerationPublished))
	stream := AllTopics
	var topicID *int
	if topicSlug != nil {
		id, err := s.db.Topic.Query().Where(topic.Slug(*topicSlug)).OnlyID(ctx)
		if ent.IsNotFound(err) {
			return nil, &errs.Error{Code: errs.NotFound, Field: "topic", Message: "no topic " + *topicSlug}
		} else if err != nil {
			return nil, err
		}
		q.Where(post.TopicID(id))
		stream, topicID = id, &id
	}
	if sort == SortTopWeek {
		return s.postPage(ctx, p, stream, func() (*ent.PostConnection, error) { return s.topPage(ctx, topicID, p) })
	}
	for _, c := range []*entgql.Cursor[int]{p.After, p.Before} {
		if c != nil && isTopCursor(c) {
			return nil, errs.Invalid("after", "a TOP_WEEK cursor pages the TOP_WEEK order only")
		}
	}
	return s.postPage(ctx, p, stream, func() (*ent.PostConnection, error) {
		return withViewer(ctx, withEdges(q)).Paginate(ctx, p.After, p.First, p.Before, p.Last, ent.WithPostOrder(newestPublished))
	})
}

// Mine lists the signed-in customer's own posts in every state, newest
// first: their profile, where a waiting post says so. Its feed cursor is
// all topics' (postChanged then tells the profile when one of the
// customer's published posts is edited or hidden).
func (s *Service) Mine(ctx context.Context, p Page) (*PostPage, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	return s.postPage(ctx, p, AllTopics, func() (*ent.PostConnection, error) {
		return withViewer(ctx, withEdges(s.db.Post.Query().Where(post.CustomerID(v.CustomerID)))).
			Paginate(ctx, p.After, p.First, p.Before, p.Last, ent.WithPostOrder(newestWritten))
	})
}

// postPage reads a page of posts with read, and first, when asked, the
// feed cursor of stream: first, so that nothing committed between the two
// is lost (see postFeedCursor).
func (s *Service) postPage(ctx context.Context, p Page, stream int, read func() (*ent.PostConnection, error)) (*PostPage, error) {
	out := &PostPage{}
	if p.FeedCursor {
		c, err := postFeedCursor(ctx, s.db.Client, stream)
		if err != nil {
			return nil, err
		}
		out.FeedCursor = c
	}
	conn, err := read()
	if err != nil {
		return nil, err
	}
	out.PostConnection = conn
	return out, nil
}

// withEdges eager-loads what the hand-written Post fields show: the media
// in the author's order and the tags with their products, one statement
// each for a whole page.
func withEdges(q *ent.PostQuery) *ent.PostQuery {
	return q.WithAttachments(mediaOrder).
		WithTags(func(tq *ent.PostProductQuery) { tq.WithProduct().Order(ent.Asc(postproduct.FieldPosition)) })
}

// Body is the post's text as the viewer in ctx may read it: as written
// for its author and staff, with censored words masked for anyone else.
func Body(ctx context.Context, p *ent.Post) string {
	if p.CensoredBody != nil && !seesOriginal(ctx, p.CustomerID) {
		return *p.CensoredBody
	}
	return p.Body
}

// WatchedWords are the watched words p matched when last written, for
// staff; empty for anyone else.
func WatchedWords(ctx context.Context, p *ent.Post) []string {
	if auth.RequireStaff(ctx) != nil || p.WatchedWords == nil {
		return []string{}
	}
	return p.WatchedWords
}

// Author names p's author as other viewers see them.
func Author(p *ent.Post) *moderation.Author { return &moderation.Author{DisplayName: p.AuthorName} }

// Media returns p's media in the author's order: the eager-loaded ones
// when the list loaded them, otherwise one statement.
func Media(ctx context.Context, p *ent.Post) ([]*ent.Media, error) {
	if ms, err := p.Edges.AttachmentsOrErr(); err == nil {
		return ms, nil
	}
	q := p.QueryAttachments()
	mediaOrder(q)
	return q.All(ctx)
}

// Tags returns p's product tags in the author's order, with their
// products.
func Tags(ctx context.Context, p *ent.Post) ([]*ent.PostProduct, error) {
	if ts, err := p.Edges.TagsOrErr(); err == nil {
		return ts, nil
	}
	return p.QueryTags().WithProduct().Order(ent.Asc(postproduct.FieldPosition)).All(ctx)
}

// TagProduct is a tag's product.
func TagProduct(ctx context.Context, t *ent.PostProduct) (*ent.Product, error) {
	if pr, err := t.Edges.ProductOrErr(); err == nil {
		return pr, nil
	}
	return t.QueryProduct().Only(ctx)
}

// Products returns the products p tags, in order.
func Products(ctx context.Context, p *ent.Post) ([]*ent.Product, error) {
	ts, err := Tags(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]*ent.Product, 0, len(ts))
	for _, t := range ts {
		pr, err := TagProduct(ctx, t)
		if err != nil {
			return nil, err
		}
		out = append(out, pr)
	}
	return out, nil
}

// ReactionCount is how many reactions of one kind a post has (GraphQL
// ReactionCount).
type ReactionCount struct {
	Kind  types.ReactionKind
	Count int
}

// ReactionCounts are p's reactions per kind, every kind listed, from the
// counters on its row: whoever sees the post sees them all.
func ReactionCounts(p *ent.Post) []*ReactionCount {
	by := map[types.ReactionKind]int{
		types.ReactionLike: p.LikeCount, types.ReactionLove: p.LoveCount, types.ReactionHelpful: p.HelpfulCount,
	}
	out := make([]*ReactionCount, len(types.ReactionKinds))
	for i, k := range types.ReactionKinds {
		out[i] = &ReactionCount{Kind: k, Count: by[k]}
	}
	return out
}
