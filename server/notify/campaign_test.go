package notify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

const createCampaignMutation = `mutation ($input: CampaignInput!) {
  createCampaign(input: $input) { campaign { id status segment { lastOrderOlderThanDays tier category } } }
}`

const scheduleCampaignMutation = `mutation ($id: ID!, $at: Time!) { scheduleCampaign(id: $id, at: $at) { campaign { id status scheduledAt } } }`

const cancelCampaignMutation = `mutation ($id: ID!) { cancelCampaign(id: $id) { campaign { id status } } }`

const campaignQuery = `query ($id: ID!) {
  node(id: $id) { ... on Campaign { id status queued audience(first: 5) { count customers { email } } preview { subject html text } } }
}`

// campaignAnswer is a campaign as the mutations and campaignQuery answer.
type campaignAnswer struct {
	ID, Status string
	Queued     int
	Audience   struct {
		Count     int
		Customers []struct{ Email string }
	}
	Preview struct{ Subject, HTML, Text string }
}

// campaignInput is a CampaignInput with segment seg.
func campaignInput(name string, seg map[string]any) map[string]any {
	return map[string]any{"input": map[string]any{
		"name": name, "subject": "{{.FirstName}}, news from {{.StoreName}}",
		"html": "<p>Hello {{.FirstName}} &lt;{{.Email}}&gt;</p>", "text": "Hello {{.FirstName}} ({{.Email}})",
		"segment": seg,
	}}
}

// mustImportIn imports an order of email placed at placed whose products
// are all of category.
func (s *testServer) mustImportIn(t *testing.T, email, number, category string, placed time.Time) {
	t.Helper()
	vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: email, Number: number, Items: 1, PlacedAt: placed})
	in := vars["input"].(map[string]any)
	for _, it := range in["items"].([]any) {
		it.(map[string]any)["category"] = category
		it.(map[string]any)["sku"] = category + "-" + number
	}
	s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
}

// TestCampaigns is the communication calendar on both databases, with the
// fake clock and a real SMTP server: a campaign reaches its segment (last
// order older than X days AND bought a category; a tier), is previewed
// (who and what), sends nothing before its time, reaches each customer
// once in batches, and a second sweep sends nothing new; a canceled
// campaign sends nothing, and one that went cannot be canceled or
// rescheduled (CONFLICT); a template that does not render is refused at
// save; customers get FORBIDDEN.
func TestCampaigns(t *testing.T) {
	defer notify.SetCampaignBatch(2)()
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		admin := s.Token(t, auth.RoleAdmin, "")
		now := s.clock.Now()
		s.mustImportIn(t, "old@example.com", "C-1", "Tea", now.AddDate(0, 0, -100))
		s.mustImportIn(t, "recent@example.com", "C-2", "Tea", now.AddDate(0, 0, -2))
		s.mustImportIn(t, "coffee@example.com", "C-3", "Coffee", now.AddDate(0, 0, -100))
		for range 3 {
			mailbox.wait(t) // the confirmations
		}

		// Refused at save: an unknown variable, an unknown tier.
		bad := campaignInput("bad", map[string]any{})
		bad["input"].(map[string]any)["html"] = "<p>{{.Points}}</p>"
		s.GQL(t, admin, createCampaignMutation, bad).MustCode(t, "INVALID_INPUT")
		s.GQL(t, admin, createCampaignMutation, campaignInput("no tier", map[string]any{"tier": "Platinum"})).MustCode(t, "INVALID_INPUT")
		if n, err := s.DB.Campaign.Query().Count(sys(t)); err != nil || n != 0 {
			t.Fatalf("refused campaigns saved: %d (%v)", n, err)
		}

		// Customers: FORBIDDEN.
		mina := s.Token(t, auth.RoleCustomer, "old@example.com")
		s.GQL(t, mina, createCampaignMutation, campaignInput("mine", map[string]any{})).MustCode(t, "FORBIDDEN")
		s.GQL(t, mina, `{ campaigns(first: 5) { totalCount } }`, nil).MustCode(t, "FORBIDDEN")

		create := func(name string, seg map[string]any) string {
			t.Helper()
			var out struct {
				CreateCampaign struct{ Campaign campaignAnswer }
			}
			s.GQL(t, admin, createCampaignMutation, campaignInput(name, seg)).MustOK(t, &out)
			if out.CreateCampaign.Campaign.Status != "DRAFT" {
				t.Fatalf("a new campaign is %s", out.CreateCampaign.Campaign.Status)
			}
			return out.CreateCampaign.Campaign.ID
		}
		read := func(id string) campaignAnswer {
			t.Helper()
			var out struct{ Node campaignAnswer }
			s.GQL(t, admin, campaignQuery, map[string]any{"id": id}).MustOK(t, &out)
			return out.Node
		}
		at := now.Add(time.Hour).Format(time.RFC3339)

		// Lapsed tea buyers: old@ only (recent@ ordered 2 days ago, coffee@ bought coffee).
		lapsed := create("lapsed tea", map[string]any{"lastOrderOlderThanDays": 30, "category": "tea"})
		c := read(lapsed)
		if c.Audience.Count != 1 || len(c.Audience.Customers) != 1 || c.Audience.Customers[0].Email != "old@example.com" {
			t.Fatalf("lapsed tea audience: %+v", c.Audience)
		}
		if c.Preview.Subject != "Old, news from The store" {
			t.Errorf("preview subject %q", c.Preview.Subject)
		}
		if !strings.Contains(c.Preview.HTML, "&lt;old@example.com&gt;") || c.Preview.Text != "Hello Old (old@example.com)" {
			t.Errorf("preview: %q / %q", c.Preview.HTML, c.Preview.Text)
		}
		// Everyone, in two batches of two.
		everyone := create("everyone", map[string]any{})
		// Tea buyers, canceled before it goes.
		canceled := create("tea, canceled", map[string]any{"category": "Tea"})
		for _, id := range []string{lapsed, everyone, canceled} {
			s.GQL(t, admin, scheduleCampaignMutation, map[string]any{"id": id, "at": at}).MustOK(t, nil)
		}
		s.GQL(t, admin, cancelCampaignMutation, map[string]any{"id": canceled}).MustOK(t, nil)
		s.GQL(t, admin, cancelCampaignMutation, map[string]any{"id": canceled}).MustCode(t, "CONFLICT")
		s.GQL(t, admin, scheduleCampaignMutation, map[string]any{"id": lapsed, "at": now.Add(-time.Hour).Format(time.RFC3339)}).MustCode(t, "INVALID_INPUT")

		campaignMessages := func() []string {
			t.Helper()
			ms, err := s.DB.Message.Query().Where(message.KindEQ(message.KindCAMPAIGN)).All(sys(t))
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, m := range ms {
				if m.Transactional {
					t.Errorf("campaign message %s is transactional", m.DedupeKey)
				}
				keys = append(keys, m.Recipient)
			}
			slices.Sort(keys)
			return keys
		}

		// Before its time: nothing.
		if err := s.Jobs.Sweep(sys(t)); err != nil {
			t.Fatal(err)
		}
		if got := campaignMessages(); len(got) != 0 {
			t.Fatalf("before its time the campaigns queued %v", got)
		}

		// Its time: each customer of each segment once.
		s.clock.Advance(time.Hour + time.Second)
		if err := s.Jobs.Sweep(sys(t)); err != nil {
			t.Fatal(err)
		}
		want := []string{"coffee@example.com", "old@example.com", "old@example.com", "recent@example.com"}
		if got := campaignMessages(); !slices.Equal(got, want) {
			t.Fatalf("queued %v, want %v", got, want)
		}
		var got []string
		for range want {
			r := waitMail(t, mailbox, "CAMPAIGN", "") // not the win-backs of the customers quiet for 100 days
			if !strings.Contains(r.Header.Get("Subject"), "news from") || !strings.Contains(r.Text, "Hello ") {
				t.Errorf("campaign email: subject %q, text %q", r.Header.Get("Subject"), r.Text)
			}
			got = append(got, r.To...)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("emails to %v, want %v", got, want)
		}
		for id, st := range map[string]struct {
			status string
			queued int
		}{lapsed: {"SENT", 1}, everyone: {"SENT", 3}, canceled: {"CANCELED", 0}} {
			if c := read(id); c.Status != st.status || c.Queued != st.queued {
				t.Errorf("campaign %s: %s with %d queued, want %s with %d", id, c.Status, c.Queued, st.status, st.queued)
			}
		}

		// A second sweep sends nothing new; a campaign that went is CONFLICT.
		if err := s.Jobs.Sweep(sys(t)); err != nil {
			t.Fatal(err)
		}
		if got := campaignMessages(); !slices.Equal(got, want) {
			t.Fatalf("after a second sweep: %v", got)
		}
		s.GQL(t, admin, cancelCampaignMutation, map[string]any{"id": lapsed}).MustCode(t, "CONFLICT")
		s.GQL(t, admin, scheduleCampaignMutation, map[string]any{"id": everyone, "at": at}).MustCode(t, "CONFLICT")
	})
}

// TestCampaignTierSegment: a tier segment reaches the customers in that
// loyalty tier, combined with the other conditions.
func TestCampaignTierSegment(t *testing.T) {
	s := mustServer(t, "", startSMTP(t).URL())
	admin := s.Token(t, auth.RoleAdmin, "")
	now := s.clock.Now()
	s.mustImportIn(t, "gold@example.com", "T-1", "Tea", now.AddDate(0, 0, -60))
	s.mustImportIn(t, "plain@example.com", "T-2", "Tea", now.AddDate(0, 0, -60))
	ctx := sys(t)
	tier, err := s.DB.LoyaltyTier.Create().SetName("Campaign Gold").SetThresholdMinor(987_654).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gold, err := s.DB.Customer.Query().Where().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, cu := range gold {
		if cu.Email == "gold@example.com" {
			if err := s.DB.LoyaltyAccount.Create().SetCustomerID(cu.ID).SetTierID(tier.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out struct {
		CampaignAudience struct {
			Count     int
			Customers []struct{ Email string }
		}
	}
	s.GQL(t, admin, `query ($seg: CampaignSegmentInput!) { campaignAudience(segment: $seg, first: 10) { count customers { email } } }`,
		map[string]any{"seg": map[string]any{"tier": "Campaign Gold", "lastOrderOlderThanDays": 30}}).MustOK(t, &out)
	if a := out.CampaignAudience; a.Count != 1 || len(a.Customers) != 1 || a.Customers[0].Email != "gold@example.com" {
		t.Fatalf("the Campaign Gold tier reaches %+v", a)
	}
}
