package community_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/comment"
	"github.com/aftercart/aftercart/ent/moderationdecision"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// trusted creates a customer with a delivered order: the trust rule
// publishes their posts and comments at once.
func (fx *fixture) trusted(t *testing.T, first string) (context.Context, *ent.Customer) {
	t.Helper()
	ctx, c := fx.customer(t, first)
	fx.deliver(t, c, fx.product(t), types.TrackingDelivered)
	return ctx, c
}

func (fx *fixture) comment(t *testing.T, ctx context.Context, postID int, body string, parent *int) *ent.Comment {
	t.Helper()
	res, err := fx.svc.AddComment(ctx, community.CommentInput{PostID: postID, Body: body, ParentID: parent})
	if err != nil {
		t.Fatalf("addComment %q: %v", body, err)
	}
	return res.Comment
}

// thread is the post's comments as the viewer sees them: "body[reply,
// reply]" per top-level comment, and the viewer's commentCount.
func (fx *fixture) thread(t *testing.T, ctx context.Context, p *ent.Post) (string, int) {
	t.Helper()
	first := 50
	conn, err := fx.svc.Comments(ctx, p, community.Page{First: &first})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, e := range conn.Edges {
		rs, err := community.Replies(ctx, e.Node)
		if err != nil {
			t.Fatal(err)
		}
		var rb []string
		for _, r := range rs {
			rb = append(rb, community.CommentBody(ctx, r))
		}
		parts = append(parts, community.CommentBody(ctx, e.Node)+"["+strings.Join(rb, ",")+"]")
	}
	fresh, err := fx.d.Post.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	n, err := community.CommentCount(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(parts, " "), n
}

// feedCount is the post's commentCount as a page of the feed loads it.
func (fx *fixture) feedCount(t *testing.T, ctx context.Context, id int) int {
	t.Helper()
	first := 50
	conn, err := fx.svc.Feed(ctx, nil, community.SortNewest, community.Page{First: &first})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range conn.Edges {
		if e.Node.ID == id {
			n, err := community.CommentCount(ctx, e.Node)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("post %d not in the feed", id)
	return 0
}

// TestComments: a trusted author's comment publishes and counts; a
// newcomer's waits, seen and counted only by its author (on the feed's
// page and alone) until staff approve it; replies are one level deep and
// on the same post; commenting on another's pending post is NOT_FOUND, on
// one's own CONFLICT; edits re-run the rule; deleting a top-level comment
// takes its replies and their counts with it.
func TestComments(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		ana, _ := fx.trusted(t, "Ana")
		ben, _ := fx.trusted(t, "Ben")
		newbie, _ := fx.customer(t, "Nia")
		p := fx.post(t, ana, "Unboxed the grinder")

		c1 := fx.comment(t, ben, p.ID, "Looks great", nil)
		if c1.Status != types.ModerationPublished {
			t.Fatalf("a trusted comment: %s", c1.Status)
		}
		waiting := fx.comment(t, newbie, p.ID, "First!", nil)
		if waiting.Status != types.ModerationPending {
			t.Fatalf("a newcomer's comment: %s", waiting.Status)
		}
		reply := fx.comment(t, ana, p.ID, "Thanks", &c1.ID)
		for _, c := range []struct {
			who  context.Context
			want string
			n    int
		}{
			{ana, "Looks great[Thanks]", 2},
			{newbie, "Looks great[Thanks] First![]", 3},
			{context.Background(), "Looks great[Thanks]", 2},
			{fx.staff, "Looks great[Thanks] First![]", 2},
		} {
			if got, n := fx.thread(t, c.who, p); got != c.want || n != c.n {
				t.Errorf("thread %q (%d), want %q (%d)", got, n, c.want, c.n)
			}
		}
		if n := fx.feedCount(t, newbie, p.ID); n != 3 {
			t.Errorf("the newcomer's count on a feed page: %d, want 3", n)
		}
		if n := fx.feedCount(t, ben, p.ID); n != 2 {
			t.Errorf("another's count on a feed page: %d, want 2", n)
		}
		// Others cannot reach the waiting comment by id either.
		if _, err := fx.d.Noder(ben, waiting.ID); err == nil {
			t.Error("a pending comment reached another customer by id")
		}

		_, err := fx.svc.AddComment(ben, community.CommentInput{PostID: p.ID, Body: "nested", ParentID: &reply.ID})
		wantCode(t, "reply to a reply", err, errs.InvalidInput)
		other := fx.post(t, ana, "Another post")
		_, err = fx.svc.AddComment(ben, community.CommentInput{PostID: other.ID, Body: "wrong post", ParentID: &c1.ID})
		wantCode(t, "parent on another post", err, errs.InvalidInput)
		_, err = fx.svc.AddComment(ben, community.CommentInput{PostID: p.ID, Body: "to a pending one", ParentID: &waiting.ID})
		wantCode(t, "reply to another's pending comment", err, errs.NotFound)
		_, err = fx.svc.AddComment(ben, community.CommentInput{PostID: p.ID, Body: "  "})
		wantCode(t, "empty comment", err, errs.InvalidInput)
		_, err = fx.svc.AddComment(fx.staff, community.CommentInput{PostID: p.ID, Body: "staff"})
		wantCode(t, "staff comment", err, errs.Forbidden)

		pending := fx.post(t, newbie, "My pending post")
		_, err = fx.svc.AddComment(ben, community.CommentInput{PostID: pending.ID, Body: "hello"})
		wantCode(t, "comment on another's pending post", err, errs.NotFound)
		_, err = fx.svc.AddComment(newbie, community.CommentInput{PostID: pending.ID, Body: "hello"})
		wantCode(t, "comment on one's own pending post", err, errs.Conflict)
		fx.moderate(t, p.ID, types.ModerationHide)
		_, err = fx.svc.AddComment(ben, community.CommentInput{PostID: p.ID, Body: "on a hidden post"})
		wantCode(t, "comment on a hidden post", err, errs.NotFound)
		fx.moderate(t, p.ID, types.ModerationRestore)

		// Staff approve the waiting comment: it counts for everyone.
		fx.moderate(t, waiting.ID, types.ModerationApprove)
		if _, n := fx.thread(t, ben, p); n != 3 {
			t.Errorf("after approval: %d comments, want 3", n)
		}
		// An edit that now needs approval takes it out of the count.
		if _, err := fx.mod.AddWatchedWord(fx.staff, moderation.WatchedWordInput{Word: "refund", Action: types.WatchedRequireApproval}); err != nil {
			t.Fatal(err)
		}
		ed, err := fx.svc.EditComment(ben, community.CommentEdit{CommentID: c1.ID, Body: "Looks great, refund?"})
		if err != nil || ed.Comment.Status != types.ModerationPending || ed.Comment.EditedAt == nil {
			t.Fatalf("edit with a held word: %+v %v", ed, err)
		}
		if got, n := fx.thread(t, newbie, p); got != "First![]" || n != 1 {
			t.Errorf("after the held edit, another sees %q (%d)", got, n)
		}
		_, err = fx.svc.EditComment(ana, community.CommentEdit{CommentID: waiting.ID, Body: "mine now"})
		wantCode(t, "editing another's comment", err, errs.Forbidden)

		// Deleting the top-level comment takes its reply and their counts.
		fx.moderate(t, c1.ID, types.ModerationApprove)
		del, err := fx.svc.DeleteComment(ben, c1.ID)
		if err != nil || len(del.DeletedReplyIDs) != 1 || del.DeletedReplyIDs[0] != reply.ID {
			t.Fatalf("delete: %+v %v", del, err)
		}
		if got, n := fx.thread(t, ana, p); got != "First![]" || n != 1 {
			t.Errorf("after deleting a thread: %q (%d)", got, n)
		}
		if n := fx.d.Comment.Query().Where(comment.PostID(p.ID)).CountX(fx.sys); n != 1 {
			t.Errorf("%d comments left, want 1", n)
		}
		// Every outcome is in the trail for the comments, as for posts.
		if n := fx.d.ModerationDecision.Query().Where(moderationdecision.ItemType("Comment")).CountX(fx.sys); n < 5 {
			t.Errorf("%d comment decisions in the trail", n)
		}
	})
}

// TestReactions: one per customer, post and kind (CONFLICT on the
// second), counts on the post, the viewer's own kinds, taking one back;
// nothing on a post the customer may not see.
func TestReactions(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		ana, _ := fx.trusted(t, "Ana")
		ben, _ := fx.customer(t, "Ben")
		cat, _ := fx.customer(t, "Cat")
		p := fx.post(t, ana, "Latte art")
		for _, r := range []struct {
			who  context.Context
			kind types.ReactionKind
		}{{ben, types.ReactionLike}, {ben, types.ReactionHelpful}, {cat, types.ReactionLike}} {
			if _, err := fx.svc.React(r.who, community.ReactInput{PostID: p.ID, Kind: r.kind}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := fx.svc.React(ben, community.ReactInput{PostID: p.ID, Kind: types.ReactionLike})
		wantCode(t, "the same reaction twice", err, errs.Conflict)
		res, err := fx.svc.Unreact(cat, community.ReactInput{PostID: p.ID, Kind: types.ReactionLike})
		if err != nil {
			t.Fatal(err)
		}
		counts := community.ReactionCounts(res.Post)
		if counts[0].Count != 1 || counts[1].Count != 0 || counts[2].Count != 1 {
			t.Errorf("counts %+v %+v %+v", *counts[0], *counts[1], *counts[2])
		}
		_, err = fx.svc.Unreact(cat, community.ReactInput{PostID: p.ID, Kind: types.ReactionLike})
		wantCode(t, "taking back a reaction never left", err, errs.NotFound)
		// Ben's kinds, on a feed page and alone; nobody else has any.
		first := 10
		conn, err := fx.svc.Feed(ben, nil, community.SortNewest, community.Page{First: &first})
		if err != nil {
			t.Fatal(err)
		}
		alone, _ := fx.d.Post.Get(ben, p.ID)
		for _, pp := range []*ent.Post{conn.Edges[0].Node, alone} {
			if ks, err := community.ViewerReactions(ben, pp); err != nil || len(ks) != 2 || ks[0] != types.ReactionLike || ks[1] != types.ReactionHelpful {
				t.Errorf("Ben's reactions: %v %v", ks, err)
			}
		}
		if ks, _ := community.ViewerReactions(cat, alone); len(ks) != 0 {
			t.Errorf("Cat's reactions: %v", ks)
		}
		pending := fx.post(t, cat, "waiting")
		_, err = fx.svc.React(ben, community.ReactInput{PostID: pending.ID, Kind: types.ReactionLove})
		wantCode(t, "a reaction on another's pending post", err, errs.NotFound)
		_, err = fx.svc.React(ben, community.ReactInput{PostID: p.ID, Kind: "WOW"})
		wantCode(t, "an unknown kind", err, errs.InvalidInput)
	})
}

// TestSilence: staff silence an author until a time with a reason; posts,
// comments, reactions and flags are FORBIDDEN saying both; it ends on its
// own when the clock passes the time, or when staff lift it. Customers
// cannot silence; the time must be ahead and the reason given.
func TestSilence(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		ana, anaC := fx.trusted(t, "Ana")
		ben, _ := fx.trusted(t, "Ben")
		p := fx.post(t, ben, "Pour-over")
		until := fx.clock.Now().Add(48 * time.Hour)
		_, err := fx.svc.Silence(ben, community.SilenceInput{CustomerID: anaC.ID, Until: until, Reason: "spam"})
		wantCode(t, "a customer silencing", err, errs.Forbidden)
		_, err = fx.svc.Silence(fx.staff, community.SilenceInput{CustomerID: anaC.ID, Until: fx.clock.Now().Add(-time.Minute), Reason: "spam"})
		wantCode(t, "a silence in the past", err, errs.InvalidInput)
		_, err = fx.svc.Silence(fx.staff, community.SilenceInput{CustomerID: anaC.ID, Until: until, Reason: " "})
		wantCode(t, "a silence without a reason", err, errs.InvalidInput)
		res, err := fx.svc.Silence(fx.staff, community.SilenceInput{CustomerID: anaC.ID, Until: until, Reason: "repeated spam links"})
		if err != nil || res.Customer.SilencedUntil == nil || !res.Customer.SilencedUntil.Equal(until) || *res.Customer.SilencedBy != "admin" {
			t.Fatalf("silence: %+v %v", res, err)
		}
		writes := map[string]func() error{
			"post": func() error {
				_, err := fx.svc.Create(ana, community.CreateInput{Topic: "unboxing", Body: "hi"})
				return err
			},
			"comment": func() error {
				_, err := fx.svc.AddComment(ana, community.CommentInput{PostID: p.ID, Body: "hi"})
				return err
			},
			"react": func() error {
				_, err := fx.svc.React(ana, community.ReactInput{PostID: p.ID, Kind: types.ReactionLike})
				return err
			},
			"flag": func() error {
				_, err := fx.svc.Flag(ana, community.FlagInput{ItemID: p.ID, Reason: types.FlagSpam})
				return err
			},
		}
		for what, w := range writes {
			err := w()
			wantCode(t, "a silenced "+what, err, errs.Forbidden)
			if !strings.Contains(err.Error(), until.Format(time.RFC3339)) || !strings.Contains(err.Error(), "repeated spam links") {
				t.Errorf("%s: %q does not say until when and why", what, err)
			}
		}
		fx.clock.Advance(49 * time.Hour)
		if err := writes["react"](); err != nil {
			t.Fatalf("after the silence ended: %v", err)
		}
		if _, err := fx.svc.Silence(fx.staff, community.SilenceInput{CustomerID: anaC.ID, Until: fx.clock.Now().Add(time.Hour), Reason: "again"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "silenced again", writes["comment"](), errs.Forbidden)
		un, err := fx.svc.Unsilence(fx.staff, anaC.ID, nil)
		if err != nil || un.Customer.SilencedUntil != nil || un.Customer.SilenceReason != nil {
			t.Fatalf("unsilence: %+v %v", un, err)
		}
		if err := writes["comment"](); err != nil {
			t.Fatalf("after unsilence: %v", err)
		}
		_, err = fx.svc.Unsilence(fx.staff, p.ID, nil)
		wantCode(t, "an unknown customer", err, errs.NotFound)
	})
}

// TestTalkIsRateLimited: commenting, reacting and flagging are each
// limited per customer: THROTTLED past the burst, for that customer only,
// and back once the fake clock has moved on.
func TestTalkIsRateLimited(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		one := ratelimit.Rate{Burst: 1, Every: time.Minute}
		svc := community.NewService(fx.d, moderation.NewService(fx.d), community.Config{Clock: fx.clock,
			Limits: &community.Limits{Comments: one, Reactions: one, Flags: one}})
		ana, _ := fx.trusted(t, "Ana")
		ben, _ := fx.trusted(t, "Ben")
		p1, p2 := fx.post(t, ana, "one"), fx.post(t, ana, "two")
		for what, do := range map[string]func(ctx context.Context, p *ent.Post) error{
			"comment": func(ctx context.Context, p *ent.Post) error {
				_, err := svc.AddComment(ctx, community.CommentInput{PostID: p.ID, Body: "hi"})
				return err
			},
			"react": func(ctx context.Context, p *ent.Post) error {
				_, err := svc.React(ctx, community.ReactInput{PostID: p.ID, Kind: types.ReactionLike})
				return err
			},
			"flag": func(ctx context.Context, p *ent.Post) error {
				_, err := svc.Flag(ctx, community.FlagInput{ItemID: p.ID, Reason: types.FlagSpam})
				return err
			},
		} {
			if err := do(ben, p1); err != nil {
				t.Fatalf("first %s: %v", what, err)
			}
			wantCode(t, "second "+what, do(ben, p2), errs.Throttled)
			if what != "flag" { // Ana may not flag her own post
				if err := do(ana, p2); err != nil {
					t.Fatalf("another customer's %s: %v", what, err)
				}
			}
		}
		fx.clock.Advance(time.Minute)
		if _, err := svc.AddComment(ben, community.CommentInput{PostID: p2.ID, Body: "later"}); err != nil {
			t.Fatalf("after a minute: %v", err)
		}
	})
}
