package community_test

import (
	"testing"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/moderation"
)

// TestPostFeedsFilter: postAdded, resumed from the start, skips a post
// hidden since it was added; postChanged sends its REMOVED without the
// post; both then stream what follows.
func TestPostFeedsFilter(t *testing.T) {
	eachLiveDB(t, func(t *testing.T, fx *liveFixture) {
		author, _ := fx.customer(t, types.TrustTrusted)
		viewer, _ := fx.customer(t, types.TrustAuto)
		slug := fx.topics[0].Slug
		p, err := fx.svc.Create(author, community.CreateInput{Topic: slug, Body: "Secret"})
		if err != nil {
			t.Fatal(err)
		}
		reason := "no"
		if _, err := fx.mod.Moderate(fx.staff, moderation.Input{ItemID: p.Post.ID, Action: types.ModerationHide, Reason: &reason}); err != nil {
			t.Fatal(err)
		}
		render := func(u *community.PostUpdate) any {
			m := map[string]any{"kind": u.Kind, "id": u.PostID}
			if u.Post != nil {
				m["body"] = community.Body(viewer, u.Post)
			}
			return m
		}
		added := follow(t, viewer, fx.posts.AddedFeed(), fx.topics[0].ID, render)
		changed := follow(t, viewer, fx.posts.ChangedFeed(), fx.topics[0].ID, render)
		if m := changed(); m["kind"] != "REMOVED" || m["body"] != nil {
			t.Fatalf("changed: %v", m)
		}
		if _, err := fx.svc.Create(author, community.CreateInput{Topic: slug, Body: "Marker"}); err != nil {
			t.Fatal(err)
		}
		if m := added(); m["body"] != "Marker" {
			t.Fatalf("added: %v", m)
		}
		if m := changed(); m["body"] != "Marker" {
			t.Fatalf("changed: %v", m)
		}
	})
}
