package community_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/ent/commentchange"
	"github.com/aftercart/aftercart/ent/moderationqueuechange"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/community"
)

// TestCommentWritesFeedTheLogs: every path that changes a comment writes
// what open pages and the admin queue follow, in the comment's own
// transaction: a trusted customer's comment is ADDED (public) at once; a
// newcomer's waits, so it enters the queue and reaches open pages only
// when staff approve it (and leaves the queue then); an edit is UPDATED;
// deleting a comment removes it and its shown replies from open pages
// (a reply never shown is not announced), and a waiting reply from the
// queue.
func TestCommentWritesFeedTheLogs(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		author, _ := fx.trusted(t, "Mina")
		p := fx.post(t, author, "Unboxed today.")
		ana, _ := fx.trusted(t, "Ana")
		newbie, _ := fx.customer(t, "Zoe")

		c1 := fx.comment(t, ana, p.ID, "Lovely!", nil)
		waiting := fx.comment(t, newbie, p.ID, "First comment here", &c1.ID)
		if waiting.Status != types.ModerationPending {
			t.Fatalf("a newcomer's reply is %s, want PENDING", waiting.Status)
		}
		fx.moderate(t, waiting.ID, types.ModerationApprove)
		if _, err := fx.svc.EditComment(ana, community.CommentEdit{CommentID: c1.ID, Body: "Lovely, really!"}); err != nil {
			t.Fatal(err)
		}
		late := fx.comment(t, newbie, p.ID, "Another one", &c1.ID)
		if _, err := fx.svc.DeleteComment(ana, c1.ID); err != nil {
			t.Fatal(err)
		}

		var feed []string
		for _, ch := range fx.d.CommentChange.Query().Where(commentchange.PostID(p.ID)).Order(commentchange.ByID()).AllX(fx.sys) {
			feed = append(feed, fmt.Sprintf("%s %s public=%v", name(ch.CommentID, c1.ID, waiting.ID, late.ID), ch.Kind, ch.Public))
		}
		want := []string{
			"c1 ADDED public=true",
			"waiting ADDED public=true", // approved
			"c1 UPDATED public=true",
			"waiting REMOVED public=true", // deleted with its comment
			"c1 REMOVED public=true",
		}
		if got := strings.Join(feed, "\n"); got != strings.Join(want, "\n") {
			t.Errorf("comment feed:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
		}

		var queue []string
		for _, ch := range fx.d.ModerationQueueChange.Query().Where(moderationqueuechange.ItemType("Comment")).Order(moderationqueuechange.ByID()).AllX(fx.sys) {
			queue = append(queue, fmt.Sprintf("%s %s", name(ch.ItemID, c1.ID, waiting.ID, late.ID), ch.Kind))
		}
		wantQ := []string{"waiting ENTERED", "waiting LEFT", "late ENTERED", "late LEFT"}
		if got := strings.Join(queue, "\n"); got != strings.Join(wantQ, "\n") {
			t.Errorf("queue feed:\n%s\nwant:\n%s", got, strings.Join(wantQ, "\n"))
		}
	})
}

// name names the test's comments in its expectations.
func name(id, c1, waiting, late int) string {
	switch id {
	case c1:
		return "c1"
	case waiting:
		return "waiting"
	case late:
		return "late"
	}
	return fmt.Sprint(id)
}
