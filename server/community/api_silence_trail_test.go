package community_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/internal/testserver"
)

// authorTrailQuery is the admin SPA's AuthorTrail (web-demo
// src/graphql/Admin.graphql), with silencedUntil.
const authorTrailQuery = `query($authorId: ID!) {
  moderationDecisions(first: 50, where: { authorID: $authorId }) {
    edges { node { itemId itemType authorId action fromStatus toStatus reason actor silencedUntil } } } }`

// TestSilenceInTheTrail: silenceAuthor and unsilenceAuthor land in the
// author's audit trail (issue 11: every decision does), oldest first,
// with the staff actor, the reason and until when, on the customer as
// the item and with no statuses; customers cannot read them; moderate
// refuses the author actions on content.
func TestSilenceInTheTrail(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		var me struct {
			Customers struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.GQL(t, sh.Leo, `{ customers(first: 1) { edges { node { id } } } }`, nil).MustOK(t, &me)
		leo := me.Customers.Edges[0].Node.ID
		until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		s.GQL(t, sh.Admin, silenceMutation, map[string]any{"input": map[string]any{
			"customerId": leo, "until": until.Format(time.RFC3339), "reason": "spam links"}}).MustOK(t, nil)
		s.GQL(t, sh.Admin, `mutation($input: UnsilenceAuthorInput!) { unsilenceAuthor(input: $input) { customer { silencedUntil } } }`,
			map[string]any{"input": map[string]any{"customerId": leo, "reason": "apologised"}}).MustOK(t, nil)
		// An unknown customer writes nothing, in the trail either.
		s.GQL(t, sh.Admin, silenceMutation, map[string]any{"input": map[string]any{
			"customerId": "999999999", "until": until.Format(time.RFC3339), "reason": "x"}}).MustCode(t, "NOT_FOUND")

		type node struct {
			ItemID, ItemType, AuthorID, Actor string
			Action, FromStatus, ToStatus      *string
			Reason, SilencedUntil             *string
		}
		var out struct {
			ModerationDecisions struct{ Edges []struct{ Node node } }
		}
		s.GQL(t, sh.Admin, authorTrailQuery, map[string]any{"authorId": leo}).MustOK(t, &out)
		str := func(p *string) string {
			if p == nil {
				return "null"
			}
			return *p
		}
		var got []string
		for _, e := range out.ModerationDecisions.Edges {
			n := e.Node
			if n.ItemID != leo || n.AuthorID != leo || n.ItemType != "Customer" {
				t.Errorf("decision on %s %s by author %s, want the customer %s", n.ItemType, n.ItemID, n.AuthorID, leo)
			}
			var untilText string
			if n.SilencedUntil != nil {
				u, err := time.Parse(time.RFC3339, *n.SilencedUntil)
				if err != nil || !u.Equal(until) {
					t.Errorf("silencedUntil %s, want %s", *n.SilencedUntil, until)
				}
				untilText = " until"
			}
			got = append(got, fmt.Sprintf("%s %s>%s by %s: %s%s", str(n.Action), str(n.FromStatus), str(n.ToStatus), n.Actor, str(n.Reason), untilText))
		}
		want := "SILENCE null>null by admin: spam links until|UNSILENCE null>null by admin: apologised"
		if g := strings.Join(got, "|"); g != want {
			t.Errorf("Leo's trail:\n got %s\nwant %s", g, want)
		}

		// The trail is for staff: Leo himself cannot read it.
		s.GQL(t, sh.Leo, authorTrailQuery, map[string]any{"authorId": leo}).MustCode(t, "FORBIDDEN")
		// The author actions are not content decisions.
		s.GQL(t, sh.Admin, `mutation($input: ModerateInput!) { moderate(input: $input) { item { id } } }`,
			map[string]any{"input": map[string]any{"itemId": leo, "action": "SILENCE", "reason": "x"}}).MustCode(t, "INVALID_INPUT")
	})
}
