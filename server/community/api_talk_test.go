package community_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// The contract's operations for comments, reactions, flags and silence
// (issue 11), as the community page and the admin SPA send them.
const (
	addCommentMutation = `mutation AddComment($input: AddCommentInput!) { addComment(input: $input) { comment { id body status createdAt } } }`
	reactMutation      = `mutation React($input: ReactInput!) { react(input: $input) { post { id reactionCounts { kind count } } } }`
	flagMutation       = `mutation Flag($input: FlagInput!) { flag(input: $input) { item { id } } }`
	silenceMutation    = `mutation Silence($input: SilenceAuthorInput!) { silenceAuthor(input: $input) { customer { id silencedUntil } } }`

	// threadQuery reads a post's thread, its count and the viewer's
	// reactions through the feed.
	threadQuery = `query { posts(first: 20) { edges { node { id commentCount viewerReactions
  comments(first: 20) { edges { node { id body status replies { id body } } } } } } } }`
	talkQueueQuery = `query($filter: ModerationQueueFilter) { moderationQueue(first: 20, filter: $filter) {
  totalCount counts { pendingApproval flagged watchedWord }
  edges { reasons node { __typename id status } flags { reason note weight outcome } } } }`
	nodeQuery  = `query($id: ID!) { node(id: $id) { id ... on Comment { body } ... on Post { body } } }`
	nodesQuery = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`
)

type threadPost struct {
	ID              string
	CommentCount    int
	ViewerReactions []string
	Comments        struct {
		Edges []struct {
			Node struct {
				ID, Body, Status string
				Replies          []struct{ ID, Body string }
			}
		}
	}
}

// thread is the post's thread as token's viewer reads it in the feed:
// "body[reply,...]" per top-level comment, and the post.
func (s *testServer) thread(t *testing.T, token, postID string) (string, threadPost) {
	t.Helper()
	var out struct {
		Posts struct{ Edges []struct{ Node threadPost } }
	}
	s.GQL(t, token, threadQuery, nil).MustOK(t, &out)
	for _, e := range out.Posts.Edges {
		if e.Node.ID != postID {
			continue
		}
		var parts []string
		for _, c := range e.Node.Comments.Edges {
			var rs []string
			for _, r := range c.Node.Replies {
				rs = append(rs, r.Body)
			}
			parts = append(parts, c.Node.Body+"["+strings.Join(rs, ",")+"]")
		}
		return strings.Join(parts, " "), e.Node
	}
	return "<post not in the feed>", threadPost{}
}

func (s *testServer) mustComment(t *testing.T, token string, in map[string]any) (id, status string) {
	t.Helper()
	var out struct {
		AddComment struct {
			Comment struct{ ID, Body, Status string }
		}
	}
	s.GQL(t, token, addCommentMutation, map[string]any{"input": in}).MustOK(t, &out)
	return out.AddComment.Comment.ID, out.AddComment.Comment.Status
}

// TestCommunityTalk: the contract's AddComment, React, Flag and Silence
// through the real API. A newcomer's comment waits and never reaches
// another customer through Post.comments, node, nodes or commentCount;
// reactions count once per kind; three flags hide a post and a review at
// once and queue them with their flags for staff, where RESTORE brings
// the post back; a CENSOR word is masked for others in comments by every
// path; a silenced author is refused, saying until when.
func TestCommunityTalk(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, func(c *app.Config) {
			c.CommunityLimits = &community.Limits{Posts: ratelimit.Rate{Burst: 100, Every: time.Second}}
		})
		sh := s.Shop(t)
		s.MustImport(t, testserver.OrderSpec{Email: "zoe@example.com", Number: "TZ1", Items: 1})
		zoe := s.Token(t, auth.RoleCustomer, "zoe@example.com")
		s.GQL(t, sh.Admin, createTopicMutation, map[string]any{"input": map[string]any{"slug": "unboxing", "name": "Unboxing"}}).MustOK(t, nil)
		post := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "The grinder arrived"})

		// Comments: Ana is trusted, Leo is new.
		anaC, st := s.mustComment(t, sh.Ana, map[string]any{"postId": post.ID, "body": "Enjoy it"})
		if st != "PUBLISHED" {
			t.Fatalf("a trusted comment: %s", st)
		}
		leoC, st := s.mustComment(t, sh.Leo, map[string]any{"postId": post.ID, "body": "Waiting one"})
		if st != "PENDING" {
			t.Fatalf("a newcomer's comment: %s", st)
		}
		s.mustComment(t, sh.Mina, map[string]any{"postId": post.ID, "body": "Thanks!", "parentId": anaC})
		for _, c := range []struct {
			name, token, want string
			count             int
		}{
			{"Mina", sh.Mina, "Enjoy it[Thanks!]", 2},
			{"Leo", sh.Leo, "Enjoy it[Thanks!] Waiting one[]", 3},
			{"anonymous", "", "Enjoy it[Thanks!]", 2},
		} {
			if got, p := s.thread(t, c.token, post.ID); got != c.want || p.CommentCount != c.count {
				t.Errorf("%s reads %q (%d comments), want %q (%d)", c.name, got, p.CommentCount, c.want, c.count)
			}
		}
		var node struct{ Node *struct{ ID string } }
		s.GQL(t, sh.Mina, nodeQuery, map[string]any{"id": leoC}).MustCode(t, "NOT_FOUND")
		var nodes struct{ Nodes []*struct{ ID string } }
		r := s.GQL(t, sh.Mina, nodesQuery, map[string]any{"ids": []string{anaC, leoC}})
		_ = json.Unmarshal(r.Data, &nodes)
		if len(nodes.Nodes) != 2 || nodes.Nodes[0] == nil || nodes.Nodes[1] != nil {
			t.Errorf("nodes as another customer: %s", r.Raw)
		}
		s.GQL(t, sh.Leo, nodeQuery, map[string]any{"id": leoC}).MustOK(t, &node)
		if node.Node == nil {
			t.Error("Leo cannot read his own waiting comment by id")
		}

		// Reactions.
		var reacted struct {
			React struct {
				Post struct {
					ReactionCounts []struct {
						Kind  string
						Count int
					}
				}
			}
		}
		s.GQL(t, sh.Leo, reactMutation, map[string]any{"input": map[string]any{"postId": post.ID, "kind": "LOVE"}}).MustOK(t, &reacted)
		if rc := reacted.React.Post.ReactionCounts; len(rc) != 3 || rc[1].Kind != "LOVE" || rc[1].Count != 1 {
			t.Errorf("reaction counts %+v", rc)
		}
		s.GQL(t, sh.Leo, reactMutation, map[string]any{"input": map[string]any{"postId": post.ID, "kind": "LOVE"}}).MustCode(t, "CONFLICT")
		if _, p := s.thread(t, sh.Leo, post.ID); len(p.ViewerReactions) != 1 || p.ViewerReactions[0] != "LOVE" {
			t.Errorf("Leo's reactions: %v", p.ViewerReactions)
		}

		// CENSOR: the word is masked for everyone but the author and staff.
		s.GQL(t, sh.Admin, `mutation { addWatchedWord(input: {word: "darn", action: CENSOR}) { watchedWord { word action } } }`, nil).MustOK(t, nil)
		darn, _ := s.mustComment(t, sh.Ana, map[string]any{"postId": post.ID, "body": "darn nice"})
		for token, want := range map[string]string{sh.Ana: "darn nice", sh.Admin: "darn nice", sh.Mina: "**** nice", "": "**** nice"} {
			var n struct{ Node struct{ Body string } }
			s.GQL(t, token, nodeQuery, map[string]any{"id": darn}).MustOK(t, &n)
			if n.Node.Body != want {
				t.Errorf("node body %q, want %q", n.Node.Body, want)
			}
		}
		if got, _ := s.thread(t, sh.Mina, post.ID); !strings.Contains(got, "**** nice[]") || strings.Contains(got, "darn") {
			t.Errorf("the thread leaks a censored word: %q", got)
		}

		// Flags: three newcomers hide the post at once; staff see it queued
		// with its flags and restore it.
		s.GQL(t, sh.Mina, flagMutation, map[string]any{"input": map[string]any{"itemId": post.ID, "reason": "SPAM"}}).MustCode(t, "FORBIDDEN")
		s.GQL(t, sh.Leo, flagMutation, map[string]any{"input": map[string]any{"itemId": post.ID, "reason": "OTHER"}}).MustCode(t, "INVALID_INPUT")
		for _, tok := range []string{sh.Leo, sh.Ana, zoe} {
			s.GQL(t, tok, flagMutation, map[string]any{"input": map[string]any{"itemId": post.ID, "reason": "OTHER", "note": "off"}}).MustOK(t, nil)
		}
		s.GQL(t, zoe, flagMutation, map[string]any{"input": map[string]any{"itemId": post.ID, "reason": "SPAM"}}).MustCode(t, "NOT_FOUND")
		if got, _ := s.thread(t, sh.Leo, post.ID); got != "<post not in the feed>" {
			t.Errorf("a flag-hidden post still in another's feed: %q", got)
		}
		s.GQL(t, sh.Ana, nodeQuery, map[string]any{"id": post.ID}).MustCode(t, "NOT_FOUND")
		s.GQL(t, sh.Ana, nodeQuery, map[string]any{"id": anaC}).MustCode(t, "NOT_FOUND") // a comment hides with its post
		var q struct {
			ModerationQueue struct {
				TotalCount int
				Counts     struct{ PendingApproval, Flagged, WatchedWord int }
				Edges      []struct {
					Reasons []string
					Node    struct {
						Typename   string `json:"__typename"`
						ID, Status string
					}
					Flags []struct {
						Reason, Outcome string
						Note            *string
						Weight          float64
					}
				}
			}
		}
		s.GQL(t, sh.Admin, talkQueueQuery, map[string]any{"filter": map[string]any{"reason": "FLAGGED"}}).MustOK(t, &q)
		if mq := q.ModerationQueue; mq.TotalCount != 1 || mq.Edges[0].Node.ID != post.ID || mq.Edges[0].Node.Status != "HIDDEN" ||
			len(mq.Edges[0].Flags) != 3 || *mq.Edges[0].Flags[0].Note != "off" || mq.Edges[0].Flags[0].Weight != 1 || mq.Counts.PendingApproval != 1 {
			t.Fatalf("flagged queue: %+v", mq)
		}
		s.GQL(t, sh.Leo, talkQueueQuery, nil).MustCode(t, "FORBIDDEN")
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": post.ID, "action": "RESTORE"}}).MustOK(t, nil)
		if got, _ := s.thread(t, sh.Leo, post.ID); !strings.HasPrefix(got, "Enjoy it[Thanks!]") {
			t.Errorf("restored thread: %q", got)
		}

		// A review is flagged the same way; the three whose flags staff
		// just cleared now weigh 2/3 each, so a newcomer's flag is needed.
		var written struct {
			WriteReview struct{ Review struct{ ID string } }
		}
		s.GQL(t, sh.Mina, `mutation($input: WriteReviewInput!) { writeReview(input: $input) { review { id } } }`,
			map[string]any{"input": map[string]any{"productId": sh.Products[0], "rating": 1, "body": "Visit my shop"}}).MustOK(t, &written)
		rv := written.WriteReview.Review
		for _, tok := range []string{sh.Leo, sh.Ana, zoe} {
			s.GQL(t, tok, flagMutation, map[string]any{"input": map[string]any{"itemId": rv.ID, "reason": "SPAM"}}).MustOK(t, nil)
		}
		s.GQL(t, sh.Admin, talkQueueQuery, map[string]any{"filter": map[string]any{"kinds": []string{"REVIEW"}}}).MustOK(t, &q)
		if q.ModerationQueue.TotalCount != 0 {
			t.Fatalf("three cleared flaggers (2/3 each) hid a review: %+v", q.ModerationQueue)
		}
		s.MustImport(t, testserver.OrderSpec{Email: "yan@example.com", Number: "TY1", Items: 1})
		yan := s.Token(t, auth.RoleCustomer, "yan@example.com")
		s.GQL(t, yan, flagMutation, map[string]any{"input": map[string]any{"itemId": rv.ID, "reason": "SPAM"}}).MustOK(t, nil)
		s.GQL(t, sh.Admin, talkQueueQuery, map[string]any{"filter": map[string]any{"kinds": []string{"REVIEW"}}}).MustOK(t, &q)
		if mq := q.ModerationQueue; mq.TotalCount != 1 || mq.Edges[0].Node.Typename != "Review" || mq.Edges[0].Node.Status != "HIDDEN" {
			t.Fatalf("flagged review queue: %+v", mq)
		}

		// Silence.
		until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
		var leoID struct {
			Customers struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.GQL(t, sh.Leo, `{ customers(first: 1) { edges { node { id } } } }`, nil).MustOK(t, &leoID)
		in := map[string]any{"customerId": leoID.Customers.Edges[0].Node.ID, "until": until.Format(time.RFC3339), "reason": "spam links"}
		s.GQL(t, sh.Mina, silenceMutation, map[string]any{"input": in}).MustCode(t, "FORBIDDEN")
		var sil struct {
			SilenceAuthor struct {
				Customer struct{ ID, SilencedUntil string }
			}
		}
		s.GQL(t, sh.Admin, silenceMutation, map[string]any{"input": in}).MustOK(t, &sil)
		if got, _ := time.Parse(time.RFC3339, sil.SilenceAuthor.Customer.SilencedUntil); !got.Equal(until) {
			t.Errorf("silencedUntil %q, want %s", sil.SilenceAuthor.Customer.SilencedUntil, until)
		}
		_, before := s.thread(t, sh.Leo, post.ID)
		res := s.GQL(t, sh.Leo, addCommentMutation, map[string]any{"input": map[string]any{"postId": post.ID, "body": "still here"}})
		res.MustCode(t, "FORBIDDEN")
		if !strings.Contains(string(res.Raw), "spam links") || !strings.Contains(string(res.Raw), until.Format(time.RFC3339)) {
			t.Errorf("the refusal does not say until when and why: %s", res.Raw)
		}
		if _, after := s.thread(t, sh.Leo, post.ID); after.CommentCount != before.CommentCount {
			t.Errorf("a refused comment changed the count: %d → %d", before.CommentCount, after.CommentCount)
		}
		var me struct {
			Customers struct {
				Edges []struct {
					Node struct{ SilenceReason *string }
				}
			}
		}
		s.GQL(t, sh.Leo, `{ customers(first: 1) { edges { node { silenceReason } } } }`, nil).MustOK(t, &me)
		if r := me.Customers.Edges[0].Node.SilenceReason; r == nil || *r != "spam links" {
			t.Errorf("Leo's own silenceReason: %v", r)
		}
	})
}

// TestCommunityTalkBadInput: each bad input of the issue gets its code,
// with the field, and writes nothing.
func TestCommunityTalkBadInput(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		s.GQL(t, sh.Admin, createTopicMutation, map[string]any{"input": map[string]any{"slug": "unboxing", "name": "Unboxing"}}).MustOK(t, nil)
		post := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Published"})
		pending := s.mustCreatePost(t, sh.Leo, map[string]any{"topic": "unboxing", "body": "Waiting"})
		c, _ := s.mustComment(t, sh.Ana, map[string]any{"postId": post.ID, "body": "top"})
		reply, _ := s.mustComment(t, sh.Mina, map[string]any{"postId": post.ID, "body": "reply", "parentId": c})
		for _, b := range []struct {
			name, token, query string
			input              map[string]any
			code, field        string
		}{
			{"empty comment", sh.Ana, addCommentMutation, map[string]any{"postId": post.ID, "body": " "}, "INVALID_INPUT", "input.body"},
			{"long comment", sh.Ana, addCommentMutation, map[string]any{"postId": post.ID, "body": strings.Repeat("x", 5001)}, "INVALID_INPUT", "input.body"},
			{"comment on another's pending post", sh.Ana, addCommentMutation, map[string]any{"postId": pending.ID, "body": "hi"}, "NOT_FOUND", "input.postId"},
			{"comment on one's own pending post", sh.Leo, addCommentMutation, map[string]any{"postId": pending.ID, "body": "hi"}, "CONFLICT", "input.postId"},
			{"reply to a reply", sh.Ana, addCommentMutation, map[string]any{"postId": post.ID, "body": "hi", "parentId": reply}, "INVALID_INPUT", "input.parentId"},
			{"comment as staff", sh.Admin, addCommentMutation, map[string]any{"postId": post.ID, "body": "hi"}, "FORBIDDEN", ""},
			{"comment signed out", "", addCommentMutation, map[string]any{"postId": post.ID, "body": "hi"}, "UNAUTHENTICATED", ""},
			{"reaction on a pending post", sh.Ana, reactMutation, map[string]any{"postId": pending.ID, "kind": "LIKE"}, "NOT_FOUND", "input.postId"},
			{"flag on one's own post", sh.Mina, flagMutation, map[string]any{"itemId": post.ID, "reason": "SPAM"}, "FORBIDDEN", "input.itemId"},
			{"flag on a pending post", sh.Ana, flagMutation, map[string]any{"itemId": pending.ID, "reason": "SPAM"}, "NOT_FOUND", "input.itemId"},
			{"flag OTHER without a note", sh.Ana, flagMutation, map[string]any{"itemId": post.ID, "reason": "OTHER", "note": "  "}, "INVALID_INPUT", "input.note"},
			{"flag with a long note", sh.Ana, flagMutation, map[string]any{"itemId": post.ID, "reason": "SPAM", "note": strings.Repeat("n", 501)}, "INVALID_INPUT", "input.note"},
			{"silence as a customer", sh.Ana, silenceMutation, map[string]any{"customerId": post.ID, "until": time.Now().Add(time.Hour).Format(time.RFC3339), "reason": "x"}, "FORBIDDEN", ""},
			{"silence in the past", sh.Admin, silenceMutation, map[string]any{"customerId": post.ID, "until": time.Now().Add(-time.Hour).Format(time.RFC3339), "reason": "x"}, "INVALID_INPUT", "input.until"},
			{"silence a non-customer", sh.Admin, silenceMutation, map[string]any{"customerId": post.ID, "until": time.Now().Add(time.Hour).Format(time.RFC3339), "reason": "x"}, "NOT_FOUND", "input.customerId"},
		} {
			r := s.GQL(t, b.token, b.query, map[string]any{"input": b.input})
			if r.Code() != b.code || len(r.Errors) == 0 || !strings.Contains(string(r.Raw), b.field) {
				t.Errorf("%s: %s, want %s at %q", b.name, r.Raw, b.code, b.field)
			}
		}
		s.GQL(t, sh.Ana, flagMutation, map[string]any{"input": map[string]any{"itemId": post.ID, "reason": "SPAM"}}).MustOK(t, nil)
		s.GQL(t, sh.Ana, flagMutation, map[string]any{"input": map[string]any{"itemId": post.ID, "reason": "SPAM"}}).MustCode(t, "CONFLICT")
		s.GQL(t, sh.Ana, reactMutation, map[string]any{"input": map[string]any{"postId": post.ID, "kind": "LIKE"}}).MustOK(t, nil)
		s.GQL(t, sh.Ana, reactMutation, map[string]any{"input": map[string]any{"postId": post.ID, "kind": "LIKE"}}).MustCode(t, "CONFLICT")
		// Nothing half-written: one comment and its reply, one reaction.
		if got, p := s.thread(t, sh.Mina, post.ID); got != "top[reply]" || p.CommentCount != 2 {
			t.Errorf("after the refusals: %q (%d)", got, p.CommentCount)
		}
	})
}
