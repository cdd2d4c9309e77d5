package community_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// A community page's read and a post page's read, with the position their
// live feeds resume from.
const (
	postsWithCursorQuery = `query($topic: String) {
  posts(first: 20, topic: $topic) { feedCursor edges { node { id body } } }
}`
	commentsWithCursorQuery = `query($id: ID!) {
  node(id: $id) { ... on Post { comments(first: 20) { ...Page } } }
}
fragment Page on CommentConnection { feedCursor edges { node { id } } }`
)

// cursorPage is a page of posts or comments with its feedCursor.
type cursorPage struct {
	FeedCursor string
	Edges      []struct{ Node struct{ ID, Body string } }
}

func (p cursorPage) ids() []string {
	var out []string
	for _, e := range p.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

// postsPage reads the first page of topic's posts (nil: all topics) with
// its feed cursor, as token.
func (s *testServer) postsPage(t *testing.T, token string, topic any) cursorPage {
	t.Helper()
	var out struct{ Posts cursorPage }
	s.GQL(t, token, postsWithCursorQuery, map[string]any{"topic": topic}).MustOK(t, &out)
	if out.Posts.FeedCursor == "" {
		t.Fatalf("posts(topic: %v): no feedCursor", topic)
	}
	return out.Posts
}

// commentsPage reads postID's first page of comments with its feed cursor.
func (s *testServer) commentsPage(t *testing.T, token, postID string) cursorPage {
	t.Helper()
	var out struct{ Node struct{ Comments cursorPage } }
	s.GQL(t, token, commentsWithCursorQuery, map[string]any{"id": postID}).MustOK(t, &out)
	if out.Node.Comments.FeedCursor == "" {
		t.Fatalf("comments of %s: no feedCursor", postID)
	}
	return out.Node.Comments
}

// TestPostsFeedCursor: a community page reads posts with feedCursor, then
// subscribes to postAdded and postChanged after it (per topic and across
// topics): a post written between the read and the subscribe arrives
// first, and nothing committed before the read (a post, its edit) is
// replayed; a post written once the page is live follows.
func TestPostsFeedCursor(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyPosts)
		sh := s.Shop(t)
		s.communityTopics(t, sh.Admin)
		before := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Before the read"})
		s.GQL(t, sh.Mina, editPostMutation, map[string]any{"input": map[string]any{"postId": before.ID, "body": "Edited before the read"}}).MustOK(t, nil)
		s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "how-to", "body": "Other topic, before the read"})

		pages := map[string]cursorPage{}
		for name, topic := range map[string]any{"unboxing": "unboxing", "all": nil} {
			pages[name] = s.postsPage(t, sh.Ana, topic)
			if !slices.Contains(pages[name].ids(), before.ID) {
				t.Fatalf("%s page %v lacks the post written before it", name, pages[name].ids())
			}
		}
		between := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Between read and subscribe"})

		type stream struct {
			c             *testserver.WSClient
			id, name, sub string
		}
		var streams []stream
		for name, topic := range map[string]any{"unboxing": "unboxing", "all": nil} {
			for id, sub := range map[string]string{"added": postAddedSubscription, "changed": postChangedSubscription} {
				c := s.ConnectWS(t, sh.Ana)
				c.Subscribe(id, sub, map[string]any{"topic": topic, "after": pages[name].FeedCursor})
				streams = append(streams, stream{c: c, id: id, name: name, sub: sub})
			}
		}
		// First the post written between read and subscribe, then one
		// written once every page is live: nothing of before the read.
		for _, st := range streams {
			assertNextPost(t, st.c, st.id, st.name, between.ID)
		}
		after := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Once live"})
		for _, st := range streams {
			assertNextPost(t, st.c, st.id, st.name, after.ID)
		}
	})
}

// assertNextPost reads the next update of a postAdded ("added") or
// postChanged stream and fails unless it adds postID.
func assertNextPost(t *testing.T, c *testserver.WSClient, id, name, postID string) {
	t.Helper()
	if id == "added" {
		var u postAddedOut
		if raw := liveNext(t, c, id, &u); u.Post.ID != postID {
			t.Fatalf("%s %s: %s, want post %s", name, id, raw, postID)
		}
		return
	}
	var u postChangeOut
	if raw := liveNext(t, c, id, &u); u.Kind != "ADDED" || u.PostID != postID {
		t.Fatalf("%s %s: %s, want post %s ADDED", name, id, raw, postID)
	}
}

// TestPostsFeedCursorIsTakenBeforeTheRows: a post that commits after the
// page's position is read but before its rows arrives twice, in the page
// and as the first update after feedCursor (the documented overlap, which
// clients merge by id), never zero times. The server's statement hook
// writes it at that exact moment: right after the position's statement.
func TestPostsFeedCursorIsTakenBeforeTheRows(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		var s *testServer
		var (
			armed, positionRead atomic.Bool
			written             atomic.Value // the post's id
			sh                  testserver.Shop
		)
		s = mustServer(t, dbURL, manyPosts, func(c *app.Config) {
			c.OnStatement = func(_ context.Context, q string) {
				if !armed.Load() {
					return
				}
				if strings.Contains(q, "post_changes") && strings.Contains(q, "DESC") {
					positionRead.Store(true)
					return
				}
				// The statement after the position's: write before it runs.
				if positionRead.Load() && armed.CompareAndSwap(true, false) {
					var out struct{ CreatePost struct{ Post postOut } }
					r := s.GQL(t, sh.Mina, createPostMutation, map[string]any{"input": map[string]any{"topic": "unboxing", "body": "Between position and rows"}})
					if r.Code() == "" && r.Status == 200 {
						_ = json.Unmarshal(r.Data, &out)
						written.Store(out.CreatePost.Post.ID)
					}
				}
			}
		})
		sh = s.Shop(t)
		s.communityTopics(t, sh.Admin)
		s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Before the read"})

		armed.Store(true)
		page := s.postsPage(t, sh.Ana, "unboxing")
		id, _ := written.Load().(string)
		if armed.Load() || id == "" {
			t.Fatalf("the hook wrote no post between the position and the rows: is the position read before them? (position read: %v)", positionRead.Load())
		}
		if !slices.Contains(page.ids(), id) {
			t.Fatalf("page %v lacks post %s, written before its rows", page.ids(), id)
		}
		c := s.ConnectWS(t, sh.Ana)
		c.Subscribe("added", postAddedSubscription, map[string]any{"topic": "unboxing", "after": page.FeedCursor})
		assertNextPost(t, c, "added", "unboxing", id)
	})
}

// TestCommentsFeedCursor: a post page reads the post's comments with
// feedCursor, then subscribes to commentAdded after it: a comment written
// in between arrives first, none of before the read is replayed, and one
// written once live follows.
func TestCommentsFeedCursor(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyPosts)
		sh := s.Shop(t)
		s.communityTopics(t, sh.Admin)
		p := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Unboxed today"})
		early, status := s.mustComment(t, sh.Mina, map[string]any{"postId": p.ID, "body": "Before the read"})
		if status != "PUBLISHED" {
			t.Fatalf("Mina's comment is %s", status)
		}
		page := s.commentsPage(t, sh.Ana, p.ID)
		if !slices.Contains(page.ids(), early) {
			t.Fatalf("comments %v lack %s", page.ids(), early)
		}
		between, _ := s.mustComment(t, sh.Mina, map[string]any{"postId": p.ID, "body": "Between read and subscribe"})
		c := s.ConnectWS(t, sh.Ana)
		c.Subscribe("c", commentAddedSubscription, map[string]any{"postId": p.ID, "after": page.FeedCursor})
		var u commentChangeOut
		if raw := liveNext(t, c, "c", &u); u.Kind != "ADDED" || u.CommentID != between {
			t.Fatalf("first update: %s, want %s ADDED", raw, between)
		}
		live, _ := s.mustComment(t, sh.Mina, map[string]any{"postId": p.ID, "body": "Once live"})
		if raw := liveNext(t, c, "c", &u); u.CommentID != live {
			t.Fatalf("next update: %s, want %s", raw, live)
		}
	})
}

// TestFeedCursorRefusals: a malformed cursor, or another feed's, is
// INVALID_INPUT on postAdded, postChanged and commentAdded, as the feeds'
// own cursors already are; a comments feedCursor is not a posts one.
func TestFeedCursorRefusals(t *testing.T) {
	s := mustServer(t, "", manyPosts)
	sh := s.Shop(t)
	s.communityTopics(t, sh.Admin)
	p := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Unboxed today"})
	posts := s.postsPage(t, sh.Ana, "unboxing").FeedCursor
	comments := s.commentsPage(t, sh.Ana, p.ID).FeedCursor
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct{ name, sub, after string }{
		{"postAdded garbage", postAddedSubscription, "not a cursor!"},
		{"postAdded negative", postAddedSubscription, b64("pf:-1")},
		{"postAdded comments cursor", postAddedSubscription, comments},
		{"postChanged not a number", postChangedSubscription, b64("pf:x")},
		{"postChanged comments cursor", postChangedSubscription, comments},
		{"commentAdded posts cursor", commentAddedSubscription, posts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := s.ConnectWS(t, sh.Ana)
			vars := map[string]any{"topic": "unboxing", "after": tc.after}
			if tc.sub == commentAddedSubscription {
				vars = map[string]any{"postId": p.ID, "after": tc.after}
			}
			c.Subscribe("s", tc.sub, vars)
			if m, err := c.ReadFor("s", 10*time.Second); err != nil || testserver.ErrorCode(m) != "INVALID_INPUT" {
				t.Fatalf("%s %s %v, want INVALID_INPUT", m.Type, m.Payload, err)
			}
		})
	}
}
