package community_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/app"
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

// TestSilencedCustomers: silencedCustomers lists the customers silenced
// now by the server's clock (the admin's Silenced screen reads it, not
// every customer), drops one whose silence ran out or was lifted, and is
// for staff only.
func TestSilencedCustomers(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
		s := mustServer(t, dbURL, func(c *app.Config) { c.Clock = clock })
		sh := s.Shop(t)
		ids := map[string]string{}
		for name, tok := range map[string]string{"Mina": sh.Mina, "Ana": sh.Ana, "Leo": sh.Leo} {
			var me struct {
				Customers struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			s.GQL(t, tok, `{ customers(first: 1) { edges { node { id } } } }`, nil).MustOK(t, &me)
			ids[name] = me.Customers.Edges[0].Node.ID
		}
		silence := func(name string, d time.Duration) {
			s.GQL(t, sh.Admin, silenceMutation, map[string]any{"input": map[string]any{
				"customerId": ids[name], "until": clock.Now().Add(d).Format(time.RFC3339), "reason": "spam"}}).MustOK(t, nil)
		}
		const q = `{ silencedCustomers(first: 100) { totalCount edges { node { id firstName silencedUntil } } } }`
		silenced := func() string {
			var out struct {
				SilencedCustomers struct {
					TotalCount int
					Edges      []struct {
						Node struct{ ID, FirstName string }
					}
				}
			}
			s.GQL(t, sh.Admin, q, nil).MustOK(t, &out)
			var names []string
			for _, e := range out.SilencedCustomers.Edges {
				names = append(names, e.Node.FirstName)
			}
			sort.Strings(names)
			return fmt.Sprintf("%d %v", out.SilencedCustomers.TotalCount, names)
		}
		if got := silenced(); got != "0 []" {
			t.Errorf("nobody silenced yet: %s", got)
		}
		silence("Ana", time.Hour)
		silence("Leo", 48*time.Hour)
		silence("Mina", 48*time.Hour)
		if got := silenced(); got != "3 [Ana Leo Mina]" {
			t.Errorf("silenced: %s", got)
		}
		s.GQL(t, sh.Admin, `mutation($input: UnsilenceAuthorInput!) { unsilenceAuthor(input: $input) { customer { id } } }`,
			map[string]any{"input": map[string]any{"customerId": ids["Mina"]}}).MustOK(t, nil)
		clock.Advance(2 * time.Hour) // Ana's silence runs out
		if got := silenced(); got != "1 [Leo]" {
			t.Errorf("after Ana's silence ended and Mina's was lifted: %s", got)
		}
		s.GQL(t, sh.Leo, q, nil).MustCode(t, "FORBIDDEN")
	})
}
