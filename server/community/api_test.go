package community_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// The contract's operations (issue 11), as the community page sends them.
const (
	topicsQuery        = `query Topics { topics { slug name description } }`
	createPostMutation = `mutation CreatePost($input: CreatePostInput!) {
  createPost(input: $input) {
    post { id status topic { slug name } body verifiedBuyer createdAt author { displayName } media { url thumbnailUrl kind } products { id name } }
  }
}`
	communityFeedQuery = `query CommunityFeed($topic: String, $after: Cursor) {
  posts(first: 20, after: $after, topic: $topic) {
    edges { node {
      id body verifiedBuyer createdAt commentCount
      topic { slug name }
      author { displayName }
      media { url thumbnailUrl kind }
      reactionCounts { kind count }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`
	createTopicMutation = `mutation($input: CreateTopicInput!) { createTopic(input: $input) { topic { id slug name position } } }`
)

// postOut is a post as CreatePost returns it.
type postOut struct {
	ID, Status, Body string
	VerifiedBuyer    bool
	Topic            struct{ Slug, Name string }
	Author           struct{ DisplayName string }
	Media            []struct{ URL, Kind string }
	Products         []struct{ ID, Name string }
}

// feedPage is a CommunityFeed answer.
type feedPage struct {
	Posts struct {
		Edges []struct {
			Node struct {
				ID, Body       string
				CommentCount   int
				Author         struct{ DisplayName string }
				Media          []struct{ URL string }
				ReactionCounts []struct {
					Kind  string
					Count int
				}
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

func (p feedPage) ids() []string {
	var out []string
	for _, e := range p.Posts.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

func (s *testServer) createPost(t *testing.T, token string, in map[string]any) *testserver.Response {
	t.Helper()
	return s.GQL(t, token, createPostMutation, map[string]any{"input": in})
}

func (s *testServer) mustCreatePost(t *testing.T, token string, in map[string]any) postOut {
	t.Helper()
	var out struct{ CreatePost struct{ Post postOut } }
	s.createPost(t, token, in).MustOK(t, &out)
	return out.CreatePost.Post
}

func (s *testServer) feed(t *testing.T, token string, vars map[string]any) feedPage {
	t.Helper()
	var p feedPage
	s.GQL(t, token, communityFeedQuery, vars).MustOK(t, &p)
	return p
}

// TestCommunityPosts: staff make topics; the contract's CreatePost and
// CommunityFeed; a new customer's post waits (its author sees it in
// myPosts and by node, nobody else by posts, node or nodes), a buyer's
// publishes at once with a verified tag; the waiting post is in
// moderationQueue and approving it puts it at the top of the feed.
func TestCommunityPosts(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, func(c *app.Config) {
			c.CommunityLimits = &community.Limits{Posts: ratelimit.Rate{Burst: 100, Every: time.Second}}
		})
		sh := s.Shop(t)
		for _, slug := range []string{"unboxing", "how-to"} {
			s.GQL(t, sh.Admin, createTopicMutation, map[string]any{"input": map[string]any{"slug": slug, "name": "The " + slug, "description": "Posts about " + slug}}).MustOK(t, nil)
		}
		s.GQL(t, sh.Mina, createTopicMutation, map[string]any{"input": map[string]any{"slug": "mine", "name": "Mine"}}).MustCode(t, "FORBIDDEN")
		var topics struct {
			Topics []struct{ Slug, Name, Description string }
		}
		s.GQL(t, "", topicsQuery, nil).MustOK(t, &topics)
		if len(topics.Topics) != 2 || topics.Topics[0].Slug != "unboxing" || topics.Topics[1].Description != "Posts about how-to" {
			t.Fatalf("topics: %+v", topics)
		}

		// Leo has no delivered order: his post waits.
		photo := s.UploadPhoto(t, sh.Leo)
		leo := s.mustCreatePost(t, sh.Leo, map[string]any{"topic": "unboxing", "body": "Just opened the box", "mediaIds": []string{photo}, "productIds": []string{sh.Products[1]}})
		if leo.Status != "PENDING" || leo.VerifiedBuyer || leo.Topic.Slug != "unboxing" || leo.Author.DisplayName != "Leo B." ||
			len(leo.Media) != 1 || leo.Media[0].Kind != "PHOTO" || len(leo.Products) != 1 || leo.Products[0].ID != sh.Products[1] {
			t.Fatalf("leo's post: %+v", leo)
		}
		// Mina received product 0: hers publishes at once, verified.
		mina := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Love it", "productIds": []string{sh.Products[0]}})
		if mina.Status != "PUBLISHED" || !mina.VerifiedBuyer {
			t.Fatalf("mina's post: %+v", mina)
		}

		for name, tok := range map[string]string{"ana": sh.Ana, "anonymous": "", "leo": sh.Leo} {
			p := s.feed(t, tok, map[string]any{"topic": "unboxing"})
			if fmt.Sprint(p.ids()) != fmt.Sprint([]string{mina.ID}) {
				t.Fatalf("%s: feed %v, want only mina's published post", name, p.ids())
			}
			n := p.Posts.Edges[0].Node
			if n.Author.DisplayName != "Mina O." || n.CommentCount != 0 || len(n.ReactionCounts) != 3 || n.ReactionCounts[0].Kind != "LIKE" {
				t.Errorf("%s: %+v", name, n)
			}
			if p := s.feed(t, tok, map[string]any{"topic": "how-to"}); len(p.ids()) != 0 {
				t.Errorf("%s: how-to feed %v", name, p.ids())
			}
			if p := s.feed(t, tok, nil); fmt.Sprint(p.ids()) != fmt.Sprint([]string{mina.ID}) {
				t.Errorf("%s: all topics %v", name, p.ids())
			}
		}
		for name, tok := range map[string]string{"ana": sh.Ana, "anonymous": ""} {
			s.GQL(t, tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": leo.ID}).MustCode(t, "NOT_FOUND")
			r := s.GQL(t, tok, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{leo.ID, mina.ID}})
			var nodes struct{ Nodes []*struct{ ID string } }
			if err := json.Unmarshal(r.Data, &nodes); err != nil || len(nodes.Nodes) != 2 || nodes.Nodes[0] != nil || nodes.Nodes[1] == nil {
				t.Errorf("%s: nodes = %s, want only mina's", name, r.Data)
			}
			s.GQL(t, tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": photo}).MustCode(t, "NOT_FOUND")
		}
		var own struct {
			MyPosts struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID, Status string } }
			}
		}
		s.GQL(t, sh.Leo, `{ myPosts(first: 10) { totalCount edges { node { id status } } } }`, nil).MustOK(t, &own)
		if own.MyPosts.TotalCount != 1 || own.MyPosts.Edges[0].Node.Status != "PENDING" {
			t.Fatalf("leo's own posts: %+v", own)
		}
		s.GQL(t, sh.Leo, `query($id: ID!) { node(id: $id) { ... on Post { status } } }`, map[string]any{"id": leo.ID}).MustOK(t, nil)

		// The queue has it; approving it publishes it at the top of the feed.
		var q struct {
			ModerationQueue struct {
				Edges []struct {
					Node struct {
						Typename string `json:"__typename"`
						ID       string
					}
				}
			}
		}
		s.GQL(t, sh.Admin, `{ moderationQueue(first: 20) { edges { node { __typename id } } } }`, nil).MustOK(t, &q)
		if len(q.ModerationQueue.Edges) != 1 || q.ModerationQueue.Edges[0].Node.Typename != "Post" {
			t.Fatalf("queue: %+v", q)
		}
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": leo.ID, "action": "APPROVE"}}).MustOK(t, nil)
		if p := s.feed(t, sh.Ana, map[string]any{"topic": "unboxing"}); fmt.Sprint(p.ids()) != fmt.Sprint([]string{leo.ID, mina.ID}) || len(p.Posts.Edges[0].Node.Media) != 1 {
			t.Fatalf("after approval: %+v", p)
		}
	})
}

// TestCreatePostBadInput: every refusal has its code and field, and
// nothing is half-written: no post, and the upload refused with another's
// stays free to attach.
func TestCreatePostBadInput(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		s.GQL(t, sh.Admin, createTopicMutation, map[string]any{"input": map[string]any{"slug": "unboxing", "name": "Unboxing"}}).MustOK(t, nil)
		mine, leos := s.UploadPhoto(t, sh.Mina), s.UploadPhoto(t, sh.Leo)
		eleven := make([]string, 11)
		for i := range eleven {
			eleven[i] = mine
		}
		for _, c := range []struct {
			name, token string
			in          map[string]any
			code, field string
		}{
			{"empty body", sh.Mina, map[string]any{"topic": "unboxing", "body": " "}, "INVALID_INPUT", "input.body"},
			{"unknown topic", sh.Mina, map[string]any{"topic": "recipes", "body": "Hi"}, "NOT_FOUND", "input.topic"},
			{"someone else's media", sh.Mina, map[string]any{"topic": "unboxing", "body": "Hi", "mediaIds": []string{mine, leos}}, "NOT_FOUND", "input.mediaIds[1]"},
			{"too many media", sh.Mina, map[string]any{"topic": "unboxing", "body": "Hi", "mediaIds": eleven}, "INVALID_INPUT", "input.mediaIds"},
			{"unknown product", sh.Mina, map[string]any{"topic": "unboxing", "body": "Hi", "productIds": []string{mine}}, "NOT_FOUND", "input.productIds[0]"},
			{"staff", sh.Admin, map[string]any{"topic": "unboxing", "body": "Hi"}, "FORBIDDEN", ""},
			{"anonymous", "", map[string]any{"topic": "unboxing", "body": "Hi"}, "UNAUTHENTICATED", ""},
		} {
			r := s.createPost(t, c.token, c.in)
			r.MustCode(t, c.code)
			if f, _ := r.Errors[0].Extensions["field"].(string); f != c.field {
				t.Errorf("%s: field %q, want %q", c.name, f, c.field)
			}
		}
		var own struct{ MyPosts struct{ TotalCount int } }
		s.GQL(t, sh.Mina, `{ myPosts(first: 10) { totalCount } }`, nil).MustOK(t, &own)
		if own.MyPosts.TotalCount != 0 {
			t.Fatalf("refused writes left %d posts", own.MyPosts.TotalCount)
		}
		// The refused upload was not left attached: it goes on the next post.
		p := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Hi", "mediaIds": []string{mine}})
		if len(p.Media) != 1 {
			t.Fatalf("post: %+v", p)
		}
		s.GQL(t, "", communityFeedQuery, map[string]any{"topic": "nope"}).MustCode(t, "NOT_FOUND")
	})
}
