package community_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// ownQuery reads the feed and the viewer's own posts with their threads,
// and whether the viewer wrote each post and comment.
const ownQuery = `query {
  posts(first: 20) { edges { node { body viewerIsAuthor author { displayName }
    comments(first: 20) { edges { node { body viewerIsAuthor replies { body viewerIsAuthor } } } } } } }
}`

// TestViewerIsAuthor: Post.viewerIsAuthor and Comment.viewerIsAuthor are
// true for the signed-in customer's own posts, comments and replies only,
// even when another customer has the same display name ("Mina O."), and
// false for staff and anonymous viewers.
func TestViewerIsAuthor(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		// A second "Mina O.", a trusted buyer too (delivered), so her
		// comments publish at once and both Minas see them.
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "mina.olsen@example.com", Number: "VA1", Items: 1})
		c := vars["input"].(map[string]any)["customer"].(map[string]any)
		c["firstName"], c["lastName"] = "Mina", "Olsen"
		var imp struct {
			ImportOrder struct{ Order testserver.ImportedOrder }
		}
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, &imp)
		o := imp.ImportOrder.Order
		s.MustShip(t, o.ID, "DHL", "VA1T", map[string]any{"orderItemId": o.Items[0].ID, "quantity": 1})
		s.MustTrack(t, "DHL", "VA1T", testserver.Event("VA1-d", "DELIVERED", time.Now().Add(-time.Hour)))
		olsen := s.Token(t, auth.RoleCustomer, "mina.olsen@example.com")

		s.GQL(t, sh.Admin, createTopicMutation, map[string]any{"input": map[string]any{"slug": "unboxing", "name": "Unboxing"}}).MustOK(t, nil)
		p := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "okafor's post"})
		s.mustCreatePost(t, olsen, map[string]any{"topic": "unboxing", "body": "olsen's post"})
		top, _ := s.mustComment(t, olsen, map[string]any{"postId": p.ID, "body": "olsen's comment"})
		s.mustComment(t, sh.Mina, map[string]any{"postId": p.ID, "body": "okafor's reply", "parentId": top})
		s.mustComment(t, sh.Mina, map[string]any{"postId": p.ID, "body": "okafor's comment"})

		read := func(token string) string {
			var out struct {
				Posts struct {
					Edges []struct {
						Node struct {
							Body           string
							ViewerIsAuthor bool
							Author         struct{ DisplayName string }
							Comments       struct {
								Edges []struct {
									Node struct {
										Body           string
										ViewerIsAuthor bool
										Replies        []struct {
											Body           string
											ViewerIsAuthor bool
										}
									}
								}
							}
						}
					}
				}
			}
			s.GQL(t, token, ownQuery, nil).MustOK(t, &out)
			var own []string
			for _, e := range out.Posts.Edges {
				if e.Node.Author.DisplayName != "Mina O." {
					t.Errorf("%q by %q: both authors are Mina O.", e.Node.Body, e.Node.Author.DisplayName)
				}
				if e.Node.ViewerIsAuthor {
					own = append(own, e.Node.Body)
				}
				for _, c := range e.Node.Comments.Edges {
					if c.Node.ViewerIsAuthor {
						own = append(own, c.Node.Body)
					}
					for _, r := range c.Node.Replies {
						if r.ViewerIsAuthor {
							own = append(own, r.Body)
						}
					}
				}
			}
			return fmt.Sprintf("%d posts, own: %s", len(out.Posts.Edges), strings.Join(own, ", "))
		}
		for _, c := range []struct{ name, token, want string }{
			{"Okafor", sh.Mina, "2 posts, own: okafor's post, okafor's reply, okafor's comment"},
			{"Olsen", olsen, "2 posts, own: olsen's post, olsen's comment"},
			{"Ana", sh.Ana, "2 posts, own: "},
			{"staff", sh.Admin, "2 posts, own: "},
			{"anonymous", "", "2 posts, own: "},
		} {
			if got := read(c.token); got != c.want {
				t.Errorf("%s: %s, want %s", c.name, got, c.want)
			}
		}
	})
}
