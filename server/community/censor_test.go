package community_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/moderation"
)

// TestCensor: a CENSOR word is stored masked at write time and every
// viewer but the author and staff reads the masked text, for posts and
// comments, through the feed, by id and in threads; an edit re-masks, and
// an edit without the word stores nothing masked.
func TestCensor(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		if _, err := fx.mod.AddWatchedWord(fx.staff, moderation.WatchedWordInput{Word: "darn", Action: types.WatchedCensor}); err != nil {
			t.Fatal(err)
		}
		author, _ := fx.trusted(t, "Ana")
		other, _ := fx.trusted(t, "Ben")
		p := fx.post(t, author, "This DARN box")
		if p.Status != types.ModerationPublished {
			t.Fatalf("a censored post still publishes: %s", p.Status)
		}
		c := fx.comment(t, other, p.ID, "darn right", nil)
		first := 10
		for _, v := range []struct {
			name          string
			ctx           context.Context
			post, comment string
		}{
			{"author", author, "This DARN box", "**** right"},
			{"commenter", other, "This **** box", "darn right"},
			{"staff", fx.staff, "This DARN box", "darn right"},
			{"anonymous", context.Background(), "This **** box", "**** right"},
		} {
			conn, err := fx.svc.Feed(v.ctx, nil, community.SortNewest, community.Page{First: &first})
			if err != nil {
				t.Fatal(err)
			}
			byID, err := fx.d.Noder(v.ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{community.Body(v.ctx, conn.Edges[0].Node), community.Body(v.ctx, byID.(*ent.Post))}
			if strings.Join(got, "|") != v.post+"|"+v.post {
				t.Errorf("%s reads the post as %q, want %q", v.name, got, v.post)
			}
			thread, _ := fx.thread(t, v.ctx, p)
			cm, err := fx.d.Noder(v.ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if thread != v.comment+"[]" || community.CommentBody(v.ctx, cm.(*ent.Comment)) != v.comment {
				t.Errorf("%s reads the comment as %q, want %q", v.name, thread, v.comment)
			}
		}
		ed, err := fx.svc.Edit(author, community.EditInput{PostID: p.ID, Body: ptr("A clean box")})
		if err != nil || ed.Post.CensoredBody != nil {
			t.Fatalf("edit without the word: %+v %v", ed, err)
		}
		ed, err = fx.svc.Edit(author, community.EditInput{PostID: p.ID, Body: ptr("darn again")})
		if err != nil || ed.Post.CensoredBody == nil || *ed.Post.CensoredBody != "**** again" {
			t.Fatalf("edit with the word: %+v %v", ed, err)
		}
	})
}
