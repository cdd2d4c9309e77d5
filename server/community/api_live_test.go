package community_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// The live community operations: the contract's CommunityPosts and Queue,
// and postChanged as an open community page follows it.
const (
	postAddedSubscription = `subscription CommunityPosts($topic: String, $after: String) {
  postAdded(topic: $topic, after: $after) { cursor post { id body topic { slug } author { displayName } } }
}`
	postChangedSubscription = `subscription PostChanges($topic: String, $after: String) {
  postChanged(topic: $topic, after: $after) { cursor kind postId post { id body status } }
}`
	queueSubscription = `subscription Queue { moderationQueueChanged { item { __typename id status } } }`
	// queueResumeSubscription is the queue with a resume cursor and the
	// move's kind, as the admin screen follows it.
	queueResumeSubscription = `subscription Queue($after: String) { moderationQueueChanged(after: $after) { cursor kind itemId item { __typename id status } } }`
	editPostMutation        = `mutation($input: EditPostInput!) { editPost(input: $input) { post { id body status } } }`
)

// The feeds' cursors before their first change.
var (
	postAddedCursor0   = base64.RawURLEncoding.EncodeToString([]byte("pa:0"))
	postChangedCursor0 = base64.RawURLEncoding.EncodeToString([]byte("pc:0"))
	queueCursor0       = base64.RawURLEncoding.EncodeToString([]byte("mqc:0"))
	commentCursor0     = base64.RawURLEncoding.EncodeToString([]byte("cc:0"))
)

// liveNext reads subscription id's next update into v (the data's one
// field), failing on anything else; it returns the raw payload.
func liveNext(t *testing.T, c *testserver.WSClient, id string, v any) string {
	t.Helper()
	m, err := c.ReadFor(id, 30*time.Second)
	if err != nil || m.Type != "next" {
		t.Fatalf("%s: want next, got %s %s (%v)", id, m.Type, m.Payload, err)
	}
	var p struct {
		Data   map[string]json.RawMessage
		Errors []testserver.Error
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 || len(p.Data) != 1 {
		t.Fatalf("%s: %s (%v)", id, m.Payload, err)
	}
	for _, raw := range p.Data {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatal(err)
		}
	}
	return string(m.Payload)
}

// postAddedOut is one postAdded update.
type postAddedOut struct {
	Cursor string
	Post   struct {
		ID, Body string
		Topic    struct{ Slug string }
		Author   struct{ DisplayName string }
	}
}

// postChangeOut is one postChanged update.
type postChangeOut struct {
	Cursor, Kind, PostID string
	Post                 *struct{ ID, Body, Status string }
}

// queueOut is one moderationQueueChanged update.
type queueOut struct {
	Cursor, Kind, ItemID string
	Item                 *struct {
		Typename   string `json:"__typename"`
		ID, Status string
	}
}

// communityTopics makes the unboxing and how-to topics.
func (s *testServer) communityTopics(t *testing.T, admin string) {
	t.Helper()
	for _, slug := range []string{"unboxing", "how-to"} {
		s.GQL(t, admin, createTopicMutation, map[string]any{"input": map[string]any{"slug": slug, "name": slug}}).MustOK(t, nil)
	}
}

func manyPosts(c *app.Config) {
	c.CommunityLimits = &community.Limits{Posts: ratelimit.Rate{Burst: 100, Every: time.Second}}
}

// TestPostAddedAcrossInstances: a post approved through instance A reaches
// a postAdded subscriber on instance B (Postgres LISTEN/NOTIFY), and the
// queue's moves reach staff on B; the customer on B never receives the
// posts still waiting, and postAdded for another topic nothing of this one.
func TestPostAddedAcrossInstances(t *testing.T) {
	dsn := pgtest.Get(t).NewDatabase(t)
	a := mustServer(t, dsn, manyPosts)
	b := mustServer(t, dsn, manyPosts)
	sh := a.Shop(t)
	a.communityTopics(t, sh.Admin)
	// One connection per stream: readFor drops other subscriptions'
	// messages.
	ana := map[string]*testserver.WSClient{}
	for id, topic := range map[string]any{"unboxing": "unboxing", "all": nil, "how-to": "how-to"} {
		ana[id] = b.ConnectWS(t, sh.Ana)
		ana[id].Subscribe(id, postAddedSubscription, map[string]any{"topic": topic, "after": postAddedCursor0})
	}
	staff := b.ConnectWS(t, sh.Admin)
	staff.Subscribe("q", queueResumeSubscription, map[string]any{"after": queueCursor0})

	// Leo waits for approval: two posts, the first never approved.
	held := a.mustCreatePost(t, sh.Leo, map[string]any{"topic": "unboxing", "body": "Still waiting"})
	approved := a.mustCreatePost(t, sh.Leo, map[string]any{"topic": "unboxing", "body": "Approved on A"})
	for _, p := range []postOut{held, approved} {
		var q queueOut
		liveNext(t, staff, "q", &q)
		if q.Kind != "ENTERED" || q.ItemID != p.ID || q.Item == nil || q.Item.Typename != "Post" || q.Item.Status != "PENDING" {
			t.Fatalf("queue on B: %+v, want %s entered", q, p.ID)
		}
	}
	a.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": approved.ID, "action": "APPROVE"}}).MustOK(t, nil)
	for _, id := range []string{"unboxing", "all"} {
		var u postAddedOut
		raw := liveNext(t, ana[id], id, &u)
		if u.Post.ID != approved.ID || u.Post.Body != "Approved on A" || u.Post.Topic.Slug != "unboxing" || u.Post.Author.DisplayName != "Leo B." {
			t.Fatalf("%s on B: %+v", id, u)
		}
		if strings.Contains(raw, "Still waiting") {
			t.Fatalf("%s on B carries the waiting post: %s", id, raw)
		}
	}
	var q queueOut
	if liveNext(t, staff, "q", &q); q.Kind != "LEFT" || q.ItemID != approved.ID || q.Item.Status != "PUBLISHED" {
		t.Fatalf("queue on B after approval: %+v", q)
	}
	// One written after B's subscribers are live, in the other topic: the
	// notification (not only the catch-up read) crossed, and the unboxing
	// stream skips it.
	howTo := a.mustCreatePost(t, sh.Mina, map[string]any{"topic": "how-to", "body": "Descaling, step by step"})
	for _, id := range []string{"how-to", "all"} {
		var u postAddedOut
		if liveNext(t, ana[id], id, &u); u.Post.ID != howTo.ID {
			t.Fatalf("%s on B: %+v, want the how-to post (and never the waiting one)", id, u)
		}
	}
	marker := a.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Marker"})
	var u postAddedOut
	if liveNext(t, ana["unboxing"], "unboxing", &u); u.Post.ID != marker.ID {
		t.Fatalf("unboxing on B: %+v, want the marker next", u)
	}
}

// TestPostChangedDropsHiddenPosts: an open page (postChanged) gets a post
// as it is published, its edit, and then, once staff hide it, only its id:
// the hidden text never reaches the page; postAdded, resumed from the
// start after the hide, skips it. Staff's queue feed sees none of this
// (a published post never waits), and refuses customers.
func TestPostChangedDropsHiddenPosts(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyPosts)
		sh := s.Shop(t)
		s.communityTopics(t, sh.Admin)
		page := s.ConnectWS(t, sh.Ana)
		page.Subscribe("p", postChangedSubscription, map[string]any{"topic": "unboxing", "after": postChangedCursor0})

		p := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Private address: 1 Road"})
		var c postChangeOut
		if liveNext(t, page, "p", &c); c.Kind != "ADDED" || c.PostID != p.ID || c.Post == nil || c.Post.Body != "Private address: 1 Road" {
			t.Fatalf("added: %+v", c)
		}
		s.GQL(t, sh.Mina, editPostMutation, map[string]any{"input": map[string]any{"postId": p.ID, "body": "Private address: 2 Road"}}).MustOK(t, nil)
		if liveNext(t, page, "p", &c); c.Kind != "UPDATED" || c.Post == nil || c.Post.Body != "Private address: 2 Road" {
			t.Fatalf("updated: %+v", c)
		}
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": p.ID, "action": "HIDE", "reason": "Personal data"}}).MustOK(t, nil)
		raw := liveNext(t, page, "p", &c)
		if c.Kind != "REMOVED" || c.PostID != p.ID || c.Post != nil || strings.Contains(raw, "Road") {
			t.Fatalf("removed: %s", raw)
		}

		// A page opened now, from the start: the ADDED and UPDATED of the
		// hidden post are not sent (it is hidden now), its REMOVED is.
		late, lateAdded := s.ConnectWS(t, sh.Ana), s.ConnectWS(t, sh.Ana)
		late.Subscribe("p", postChangedSubscription, map[string]any{"topic": "unboxing", "after": postChangedCursor0})
		lateAdded.Subscribe("a", postAddedSubscription, map[string]any{"topic": "unboxing", "after": postAddedCursor0})
		if raw := liveNext(t, late, "p", &c); c.Kind != "REMOVED" || c.PostID != p.ID || strings.Contains(raw, "Road") {
			t.Fatalf("late page: %s", raw)
		}
		// Ana posts it: Mina, with a post hidden and none approved, waits
		// for approval now (the trust rule).
		marker := s.mustCreatePost(t, sh.Ana, map[string]any{"topic": "unboxing", "body": "Marker"})
		var a postAddedOut
		if raw := liveNext(t, lateAdded, "a", &a); a.Post.ID != marker.ID {
			t.Fatalf("postAdded from the start: %s, want only the marker", raw)
		}

		// Deleting a published post removes it too.
		s.GQL(t, sh.Ana, `mutation($input: DeletePostInput!) { deletePost(input: $input) { deletedPostId } }`,
			map[string]any{"input": map[string]any{"postId": marker.ID}}).MustOK(t, nil)
		liveNext(t, page, "p", &c) // the marker's ADDED
		if liveNext(t, page, "p", &c); c.Kind != "REMOVED" || c.PostID != marker.ID {
			t.Fatalf("after delete: %+v", c)
		}
	})
}

// TestModerationQueueChangedIsStaffOnly: the contract's Queue subscription
// refuses customers (FORBIDDEN; anonymous sockets are refused at
// connection_init already); staff see a waiting post enter, and leave when its author deletes it
// (the item then null, its id kept).
func TestModerationQueueChangedIsStaffOnly(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyPosts)
		sh := s.Shop(t)
		s.communityTopics(t, sh.Admin)
		c := s.ConnectWS(t, sh.Leo)
		c.Subscribe("q", queueSubscription, nil)
		if m, err := c.ReadFor("q", 10*time.Second); err != nil || testserver.ErrorCode(m) != "FORBIDDEN" {
			t.Fatalf("queue for a customer: %s %s %v", m.Type, m.Payload, err)
		}
		staff := s.ConnectWS(t, sh.Admin)
		staff.Subscribe("q", queueResumeSubscription, map[string]any{"after": queueCursor0})
		p := s.mustCreatePost(t, sh.Leo, map[string]any{"topic": "unboxing", "body": "Waiting"})
		var q queueOut
		if liveNext(t, staff, "q", &q); q.Kind != "ENTERED" || q.Item == nil || q.Item.ID != p.ID {
			t.Fatalf("entered: %+v", q)
		}
		s.GQL(t, sh.Leo, `mutation($input: DeletePostInput!) { deletePost(input: $input) { deletedPostId } }`,
			map[string]any{"input": map[string]any{"postId": p.ID}}).MustOK(t, nil)
		if liveNext(t, staff, "q", &q); q.Kind != "LEFT" || q.ItemID != p.ID || q.Item != nil {
			t.Fatalf("left: %+v", q)
		}
	})
}

// commentAddedSubscription is what an open post page sends for its comments.
const commentAddedSubscription = `subscription($postId: ID!, $after: String) {
  commentAdded(postId: $postId, after: $after) { cursor kind commentId comment { id body status } }
}`

// commentChangeOut is one commentAdded update.
type commentChangeOut struct {
	Cursor, Kind, CommentID string
	Comment                 *struct{ ID, Body, Status string }
}

// TestCommentAddedOnAnOpenPost: an open post page receives the comments
// others may see as they are written (a trusted customer's at once), edits,
// a newcomer's only once staff approve it, and a removal without its text;
// a page opened from the start replays what is visible now and the
// removal; a pending post's comments are NOT_FOUND to others.
func TestCommentAddedOnAnOpenPost(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, manyPosts)
		sh := s.Shop(t)
		s.communityTopics(t, sh.Admin)
		p := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Unboxed today"})
		page := s.ConnectWS(t, sh.Ana)
		page.Subscribe("c", commentAddedSubscription, map[string]any{"postId": p.ID, "after": commentCursor0})
		leoPage := s.ConnectWS(t, sh.Leo)
		leoPage.Subscribe("c", commentAddedSubscription, map[string]any{"postId": p.ID, "after": commentCursor0})

		var c commentChangeOut
		mine, _ := s.mustComment(t, sh.Mina, map[string]any{"postId": p.ID, "body": "Ask me anything"})
		if liveNext(t, page, "c", &c); c.Kind != "ADDED" || c.CommentID != mine || c.Comment == nil || c.Comment.Body != "Ask me anything" {
			t.Fatalf("added: %+v", c)
		}
		if liveNext(t, leoPage, "c", &c); c.CommentID != mine {
			t.Fatalf("Leo's page: %+v", c)
		}
		// Leo has no delivered order: his comment waits (his page has it
		// from the mutation's answer); open pages get it once staff approve.
		waiting, status := s.mustComment(t, sh.Leo, map[string]any{"postId": p.ID, "body": "Where is mine?", "parentId": mine})
		if status != "PENDING" {
			t.Fatalf("Leo's comment is %s, want PENDING", status)
		}
		s.GQL(t, sh.Mina, `mutation($input: EditCommentInput!) { editComment(input: $input) { comment { id } } }`,
			map[string]any{"input": map[string]any{"commentId": mine, "body": "Ask me anything!"}}).MustOK(t, nil)
		if liveNext(t, page, "c", &c); c.Kind != "UPDATED" || c.Comment == nil || c.Comment.Body != "Ask me anything!" {
			t.Fatalf("updated: %+v (the waiting comment must not come first)", c)
		}
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": waiting, "action": "APPROVE"}}).MustOK(t, nil)
		if liveNext(t, page, "c", &c); c.Kind != "ADDED" || c.CommentID != waiting {
			t.Fatalf("approved: %+v", c)
		}
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": mine, "action": "HIDE", "reason": "Personal data"}}).MustOK(t, nil)
		raw := liveNext(t, page, "c", &c)
		if c.Kind != "REMOVED" || c.CommentID != mine || c.Comment != nil || strings.Contains(raw, "anything") {
			t.Fatalf("removed: %s", raw)
		}

		// A page opened now from the start: what is hidden now is not
		// replayed, its removal is.
		late := s.ConnectWS(t, sh.Ana)
		late.Subscribe("c", commentAddedSubscription, map[string]any{"postId": p.ID, "after": commentCursor0})
		for _, want := range []string{"ADDED " + waiting, "REMOVED " + mine} {
			if raw := liveNext(t, late, "c", &c); c.Kind+" "+c.CommentID != want || strings.Contains(raw, "anything") {
				t.Fatalf("late page: %s, want %s", raw, want)
			}
		}

		// Another customer's waiting post: its comments are not theirs to follow.
		held := s.mustCreatePost(t, sh.Leo, map[string]any{"topic": "unboxing", "body": "Waiting post"})
		other := s.ConnectWS(t, sh.Ana)
		other.Subscribe("c", commentAddedSubscription, map[string]any{"postId": held.ID})
		if m, err := other.ReadFor("c", 10*time.Second); err != nil || testserver.ErrorCode(m) != "NOT_FOUND" {
			t.Fatalf("a waiting post's comments: %+v %v", m, err)
		}
	})
}
