package notify_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messageevent"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// engagementQuery is staff's table.
const engagementQuery = `query { engagement { journey campaignId sent delivered opened clicked converted } }`

// engagementRow is one row of it.
type engagementRow struct {
	Journey                                     *string
	CampaignID                                  *string
	Sent, Delivered, Opened, Clicked, Converted int
}

// TestEngagement: a real email's pixel and tracked link, fetched from
// the real server, count one open and one click (however often loaded);
// a tampered link is refused and counts nothing; an order after the click
// converts the message; staff read the counts per journey, customers get
// FORBIDDEN.
func TestEngagement(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		p := mustPester(t, dbURL, notify.Rules{OptOut: true})
		id := p.customer(t, "ana@example.com", "AC-3401")
		m := p.queue(t, id, "engage:1", "content", true)
		wantStatus(t, m, message.StatusSENT, "")
		got := p.mailbox.wait(t)

		hrefs := regexp.MustCompile(`(?:href|src)="([^"]+)"`).FindAllStringSubmatch(got.HTML, -1)
		var click, open string
		for _, h := range hrefs {
			u := strings.ReplaceAll(h[1], "&amp;", "&")
			switch {
			case strings.Contains(u, notify.ClickPath):
				click = u
			case strings.Contains(u, notify.OpenPath):
				open = u
			case strings.Contains(u, "care?"):
				t.Errorf("a link left untracked: %s", u)
			}
		}
		if click == "" || open == "" || !strings.Contains(got.HTML, notify.UnsubscribePath) {
			t.Fatalf("tracked link %q, pixel %q, unsubscribe kept in\n%s", click, open, got.HTML)
		}
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get := func(u string) *http.Response {
			t.Helper()
			resp, err := noRedirect.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		for range 2 {
			if r := get(open); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/gif" {
				t.Fatalf("pixel: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
			}
		}
		cu, _ := url.Parse(click)
		payload, mac, _ := strings.Cut(cu.Query().Get("t"), ".")
		for _, bad := range []string{payload + "x." + mac, "garbage", payload + "." + mac[1:]} {
			forged := *cu
			forged.RawQuery = url.Values{"t": {bad}}.Encode()
			if r := get(forged.String()); r.StatusCode != http.StatusBadRequest {
				t.Errorf("a tampered link: %d, want 400", r.StatusCode)
			}
		}
		r := get(click)
		if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "https://shop.example.com/care?a=1&b=2" {
			t.Fatalf("click: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if n := p.DB.MessageEvent.Query().Where(messageevent.MessageID(m.ID)).CountX(sys(t)); n != 3 {
			t.Errorf("%d events, want 2 opens and 1 click", n)
		}

		// An order placed a day after the click converts the message.
		p.clock.Advance(24 * time.Hour)
		p.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "AC-3402", Items: 1, PlacedAt: p.clock.Now().Truncate(time.Second)})
		p.mailbox.wait(t)
		waitEvent(t, p.events, river.EventKindJobCompleted)
		// An order placed before the click does not.
		p.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "AC-3403", Items: 1, PlacedAt: p.clock.Now().Add(-48 * time.Hour)})
		p.mailbox.wait(t)
		waitEvent(t, p.events, river.EventKindJobCompleted)

		p.GQL(t, p.Token(t, auth.RoleCustomer, "ana@example.com"), engagementQuery, nil).MustCode(t, "FORBIDDEN")
		var out struct{ Engagement []engagementRow }
		p.GQL(t, p.Token(t, auth.RoleAdmin, ""), engagementQuery, nil).MustOK(t, &out)
		rows := map[string]engagementRow{}
		for _, r := range out.Engagement {
			rows[deref(r.Journey)] = r
		}
		if c := rows["content"]; c.Sent != 1 || c.Delivered != 1 || c.Opened != 1 || c.Clicked != 1 || c.Converted != 1 {
			t.Errorf("content: %+v, want 1 sent, delivered, opened, clicked, converted", c)
		}
		if c := rows["order_confirmation"]; c.Sent != 3 || c.Delivered != 3 || c.Opened != 0 || c.Clicked != 0 || c.Converted != 0 {
			t.Errorf("order_confirmation: %+v, want 3 sent and delivered, nothing else", c)
		}
		var evs struct {
			Messages struct {
				Edges []struct {
					Node struct {
						Events []struct{ Type, URL string }
					}
				}
			}
		}
		p.GQL(t, p.Token(t, auth.RoleAdmin, ""), `query { messages(first: 1, where: {kind: CONTENT}) { edges { node { events { type url } } } } }`, nil).MustOK(t, &evs)
		if e := evs.Messages.Edges; len(e) != 1 || len(e[0].Node.Events) != 4 || e[0].Node.Events[2].Type != "CLICKED" || e[0].Node.Events[3].Type != "CONVERTED" {
			t.Errorf("the message's events: %+v", e)
		}
	})
}
