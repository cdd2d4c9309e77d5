package notify_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

const messagesByOriginQuery = `query ($campaign: ID, $journey: String, $email: String) {
  messages(first: 50, where: { campaignId: $campaign, journey: $journey, customerEmail: $email }) {
    totalCount
    edges { node { id kind channel journey customer { email } } }
  }
}`

// originPage is the answer of messagesByOriginQuery.
type originPage struct {
	Messages struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID, Kind, Channel string
				Journey           *string
				Customer          struct{ Email string }
			}
		}
	}
}

// TestMessagesFilteredByCampaignAndJourney: staff filter the outbox by the
// campaign that queued a message (its id) and by the journey (its name),
// alone or with the other filters; another campaign's messages, and a
// journey's, never match a campaign's filter; an id that is no campaign's
// matches nothing. On SQLite and Postgres, with the fake clock.
func TestMessagesFilteredByCampaignAndJourney(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		admin := s.Token(t, auth.RoleAdmin, "")
		now := s.clock.Now()
		s.mustImportIn(t, "tea1@example.com", "F-1", "Tea", now.AddDate(0, 0, -10))
		s.mustImportIn(t, "tea2@example.com", "F-2", "Tea", now.AddDate(0, 0, -10))
		s.mustImportIn(t, "coffee@example.com", "F-3", "Coffee", now.AddDate(0, 0, -10))

		create := func(name string, seg map[string]any) string {
			t.Helper()
			var out struct {
				CreateCampaign struct{ Campaign campaignAnswer }
			}
			s.GQL(t, admin, createCampaignMutation, campaignInput(name, seg)).MustOK(t, &out)
			id := out.CreateCampaign.Campaign.ID
			s.GQL(t, admin, scheduleCampaignMutation, map[string]any{"id": id, "at": now.Add(time.Minute).Format(time.RFC3339)}).MustOK(t, nil)
			return id
		}
		tea := create("tea buyers", map[string]any{"category": "tea"})
		everyone := create("everyone", map[string]any{})
		s.clock.Advance(time.Minute + time.Second)
		if err := s.Jobs.Sweep(sys(t)); err != nil {
			t.Fatal(err)
		}

		list := func(vars map[string]any) (emails []string, page originPage) {
			t.Helper()
			s.GQL(t, admin, messagesByOriginQuery, vars).MustOK(t, &page)
			if page.Messages.TotalCount != len(page.Messages.Edges) {
				t.Errorf("%v: totalCount %d for %d edges", vars, page.Messages.TotalCount, len(page.Messages.Edges))
			}
			for _, e := range page.Messages.Edges {
				emails = append(emails, e.Node.Customer.Email)
			}
			slices.Sort(emails)
			return emails, page
		}

		// A campaign's filter: its own messages, every one a CAMPAIGN email without a journey.
		for id, want := range map[string][]string{
			tea:      {"tea1@example.com", "tea2@example.com"},
			everyone: {"coffee@example.com", "tea1@example.com", "tea2@example.com"},
		} {
			got, page := list(map[string]any{"campaign": id})
			if !slices.Equal(got, want) {
				t.Errorf("campaign %s: messages to %v, want %v", id, got, want)
			}
			for _, e := range page.Messages.Edges {
				if e.Node.Kind != "CAMPAIGN" || e.Node.Channel != "EMAIL" || e.Node.Journey != nil {
					t.Errorf("campaign %s lists %+v", id, e.Node)
				}
			}
		}
		// With another filter: both hold.
		if got, _ := list(map[string]any{"campaign": tea, "email": "TEA2@example.com"}); !slices.Equal(got, []string{"tea2@example.com"}) {
			t.Errorf("campaign %s and tea2: %v", tea, got)
		}
		if got, _ := list(map[string]any{"campaign": tea, "email": "coffee@example.com"}); len(got) != 0 {
			t.Errorf("campaign %s and coffee (not in its segment): %v", tea, got)
		}
		// An id that is no campaign's (an order's message) matches nothing.
		m := s.messageOf(t, "F-1")
		if got, _ := list(map[string]any{"campaign": m.ID}); len(got) != 0 {
			t.Errorf("a message's id as the campaign: %v", got)
		}

		// A journey's filter: only its messages (the confirmations, by email and in the app), no campaign's.
		got, page := list(map[string]any{"journey": notify.JourneyOrderConfirmation})
		want := []string{"coffee@example.com", "coffee@example.com", "tea1@example.com", "tea1@example.com", "tea2@example.com", "tea2@example.com"}
		if !slices.Equal(got, want) {
			t.Errorf("journey %s: messages to %v, want %v", notify.JourneyOrderConfirmation, got, want)
		}
		for _, e := range page.Messages.Edges {
			if e.Node.Kind != string(message.KindORDER_CONFIRMATION) || e.Node.Journey == nil || *e.Node.Journey != notify.JourneyOrderConfirmation {
				t.Errorf("journey filter lists %+v", e.Node)
			}
		}
		if got, _ := list(map[string]any{"journey": notify.JourneyOrderConfirmation, "campaign": everyone}); len(got) != 0 {
			t.Errorf("a journey and a campaign together (no message has both): %v", got)
		}
		if got, _ := list(map[string]any{"journey": notify.JourneyReview}); len(got) != 0 {
			t.Errorf("review journey before any delivery: %v", got)
		}
	})
}
