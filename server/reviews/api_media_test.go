package reviews_test

import (
	"strings"
	"testing"

	"github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// uploadPhoto uploads a phone photo as token and returns its media id.

// TestReviewMedia: a review carries its author's uploads in the order
// given; someone else's upload refuses the whole review; the media are seen
// exactly as the review is (anonymous viewers of a published review,
// nobody but author and staff once it is hidden, through the product's
// reviews and node(id:) alike); deleting the review lets go of them.
func TestReviewMedia(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		a, b, leos := s.UploadPhoto(t, sh.Mina), s.UploadPhoto(t, sh.Mina), s.UploadPhoto(t, sh.Leo)

		// Someone else's upload: the whole review is refused.
		res := s.writeReview(t, sh.Mina, map[string]any{"productId": sh.Products[0], "rating": 5, "body": "Lovely.", "mediaIds": []string{a, leos}})
		res.MustCode(t, "NOT_FOUND")
		if f := res.Errors[0].Extensions["field"]; f != "input.mediaIds[1]" {
			t.Errorf("field %v, want input.mediaIds[1]", f)
		}
		rv := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": sh.Products[0], "rating": 5, "body": "Lovely.", "mediaIds": []string{b, a}})
		if rv.Status != "PUBLISHED" || len(rv.Media) != 2 {
			t.Fatalf("review %+v", rv)
		}

		const listMedia = `query($p: ID!) { node(id: $p) { ... on Product {
			reviews(first: 10, filter: {withMedia: true}) { totalCount edges { node { id media { id url thumbnailUrl kind } } } } } } }`
		type page struct {
			Node struct {
				Reviews struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							ID    string
							Media []struct{ ID, URL, Kind string }
						}
					}
				}
			}
		}
		read := func(token string) page {
			t.Helper()
			var p page
			s.GQL(t, token, listMedia, map[string]any{"p": sh.Products[0]}).MustOK(t, &p)
			return p
		}
		for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"another customer", sh.Leo}, {"the author", sh.Mina}} {
			p := read(who.token)
			if p.Node.Reviews.TotalCount != 1 || len(p.Node.Reviews.Edges[0].Node.Media) != 2 {
				t.Fatalf("%s: %+v", who.name, p)
			}
			m := p.Node.Reviews.Edges[0].Node.Media
			if m[0].ID != b || m[1].ID != a || m[0].Kind != "PHOTO" || !strings.HasPrefix(m[0].URL, "/media/") {
				t.Errorf("%s: media %+v, want %s then %s", who.name, m, b, a)
			}
		}
		nodeMedia := func(token, id string) *testserver.Response {
			return s.GQL(t, token, `query($id: ID!) { node(id: $id) { ... on Media { id url } } }`, map[string]any{"id": id})
		}
		if r := nodeMedia(sh.Leo, a); len(r.Errors) > 0 || !strings.Contains(string(r.Data), a) {
			t.Errorf("another customer, node(id:) of a published review's photo: %s %+v", r.Data, r.Errors)
		}

		// Hidden: the review and its media are the author's and staff's.
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": rv.ID, "action": "HIDE", "reason": "Check"}}).MustOK(t, nil)
		if p := read(sh.Leo); p.Node.Reviews.TotalCount != 0 {
			t.Errorf("another customer sees a hidden review: %+v", p)
		}
		if r := nodeMedia(sh.Leo, a); strings.Contains(string(r.Data), a) {
			t.Errorf("another customer, node(id:) of a hidden review's photo: %s", r.Data)
		}
		if r := nodeMedia("", a); strings.Contains(string(r.Data), a) {
			t.Errorf("anonymous, node(id:) of a hidden review's photo: %s", r.Data)
		}
		if p := read(sh.Mina); len(p.Node.Reviews.Edges) != 1 || len(p.Node.Reviews.Edges[0].Node.Media) != 2 {
			t.Errorf("the author no longer sees their media: %+v", p)
		}

		// Deleted: the media are let go, for the cleanup to delete.
		s.GQL(t, sh.Mina, `mutation($id: ID!) { deleteReview(input: {reviewId: $id}) { deletedReviewId } }`, map[string]any{"id": rv.ID}).MustOK(t, nil)
		ctx := auth.WithSystem(t.Context())
		left, err := s.DB.Media.Query().Where(media.AttachedAtIsNil(), media.ReviewIDIsNil()).Count(ctx)
		if err != nil || left != 3 { // a, b and Leo's
			t.Errorf("%d unattached media after the delete (want 3): %v", left, err)
		}
	})
}

// TestEditReviewMedia: an edit's mediaIds replace the review's media in
// the order given; kept ones stay, new ones must be fresh uploads of the
// author's (a refused one names its place in the list and changes
// nothing), dropped ones are let go; an edit without mediaIds keeps them.
func TestEditReviewMedia(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		a, b, c, leos := s.UploadPhoto(t, sh.Mina), s.UploadPhoto(t, sh.Mina), s.UploadPhoto(t, sh.Mina), s.UploadPhoto(t, sh.Leo)
		rv := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": sh.Products[0], "rating": 4, "body": "Good.", "mediaIds": []string{a, b}})
		const edit = `mutation($in: EditReviewInput!) { editReview(input: $in) { review { body media { id } } } }`
		type edited struct {
			EditReview struct {
				Review struct {
					Body  string
					Media []struct{ ID string }
				}
			}
		}
		ids := func(e edited) []string {
			var out []string
			for _, m := range e.EditReview.Review.Media {
				out = append(out, m.ID)
			}
			return out
		}
		var e edited
		s.GQL(t, sh.Mina, edit, map[string]any{"in": map[string]any{"reviewId": rv.ID, "mediaIds": []string{c, b}}}).MustOK(t, &e)
		if got := ids(e); len(got) != 2 || got[0] != c || got[1] != b {
			t.Fatalf("after replacing: %v, want [%s %s]", got, c, b)
		}
		// Leo's upload, third in the list: refused, named, nothing changed.
		res := s.GQL(t, sh.Mina, edit, map[string]any{"in": map[string]any{"reviewId": rv.ID, "body": "Changed?", "mediaIds": []string{b, c, leos}}})
		res.MustCode(t, "NOT_FOUND")
		if f := res.Errors[0].Extensions["field"]; f != "input.mediaIds[2]" {
			t.Errorf("field %v, want input.mediaIds[2]", f)
		}
		s.GQL(t, sh.Mina, edit, map[string]any{"in": map[string]any{"reviewId": rv.ID, "body": "Still good."}}).MustOK(t, &e)
		if got := ids(e); e.EditReview.Review.Body != "Still good." || len(got) != 2 || got[0] != c {
			t.Fatalf("an edit without mediaIds: %+v", e)
		}
		ctx := auth.WithSystem(t.Context())
		if n, err := s.DB.Media.Query().Where(media.AttachedAtIsNil(), media.ReviewIDIsNil()).Count(ctx); err != nil || n != 2 { // a (dropped) and Leo's
			t.Errorf("%d unattached media (want 2): %v", n, err)
		}
		s.GQL(t, sh.Mina, edit, map[string]any{"in": map[string]any{"reviewId": rv.ID, "mediaIds": []string{}}}).MustOK(t, &e)
		if got := ids(e); len(got) != 0 {
			t.Fatalf("after removing all: %v", got)
		}
		var p struct {
			Node struct{ Reviews struct{ TotalCount int } }
		}
		s.GQL(t, "", `query($p: ID!) { node(id: $p) { ... on Product { reviews(first: 5, filter: {withMedia: true}) { totalCount } } } }`,
			map[string]any{"p": sh.Products[0]}).MustOK(t, &p)
		if p.Node.Reviews.TotalCount != 0 {
			t.Errorf("a review without media still filtered as with media")
		}
	})
}
