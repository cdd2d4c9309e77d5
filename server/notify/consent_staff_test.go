package notify_test

import (
	"strconv"
	"testing"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// setCustomerConsentMutation is staff recording a customer's choice.
const setCustomerConsentMutation = `mutation($in: SetCustomerConsentInput!) {
  setCustomerConsent(input: $in) { consents { channel marketing source changedAt changedBy } }
}`

// TestStaffSetCustomerConsent: staff record a customer's marketing
// choice (source STAFF, who: the staff token's subject, and when), read it back with the customer's
// consents, and it governs the next marketing message; a customer is
// FORBIDDEN (even for themselves), an unknown customer NOT_FOUND; a
// later change by the customer clears who.
func TestStaffSetCustomerConsent(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		p := mustPester(t, dbURL, notify.Rules{})
		id := p.customer(t, "mina@example.com", "AC-3601")
		admin := p.Token(t, auth.RoleAdmin, "admin@test")
		mina := p.Token(t, auth.RoleCustomer, "mina@example.com")
		in := func(customer string, marketing bool) map[string]any {
			return map[string]any{"in": map[string]any{"customerId": customer, "channel": "EMAIL", "marketing": marketing}}
		}
		p.GQL(t, mina, setCustomerConsentMutation, in(strconv.Itoa(id), true)).MustCode(t, "FORBIDDEN")
		p.GQL(t, admin, setCustomerConsentMutation, in("999999", true)).MustCode(t, "NOT_FOUND")
		if c := p.emailConsent(t, id); c.Marketing || c.Source != "" {
			t.Fatalf("refused calls changed the consent: %+v", c)
		}

		var out struct {
			SetCustomerConsent struct {
				Consents []struct {
					Channel, Source string
					Marketing       bool
					ChangedAt       *string
					ChangedBy       *string
				}
			}
		}
		p.GQL(t, admin, setCustomerConsentMutation, in(strconv.Itoa(id), true)).MustOK(t, &out)
		c := out.SetCustomerConsent.Consents[0]
		if c.Channel != "EMAIL" || !c.Marketing || c.Source != "STAFF" || c.ChangedAt == nil || c.ChangedBy == nil || *c.ChangedBy != "admin" {
			t.Fatalf("after staff set it: %+v", c)
		}
		var read struct {
			MarketingConsents []struct {
				Channel   string
				ChangedBy *string
			}
		}
		p.GQL(t, admin, `query($id: ID) { marketingConsents(customerId: $id) { channel changedBy } }`,
			map[string]any{"id": strconv.Itoa(id)}).MustOK(t, &read)
		if r := read.MarketingConsents[0]; r.ChangedBy == nil || *r.ChangedBy != "admin" {
			t.Fatalf("staff read %+v", read.MarketingConsents)
		}
		wantStatus(t, p.queue(t, id, "staff-consent:1", "content", true), message.StatusSENT, "")
		p.mailbox.wait(t)

		p.GQL(t, mina, `mutation { setMarketingConsent(input: {channel: EMAIL, marketing: false}) { consents { channel } } }`, nil).MustOK(t, nil)
		p.GQL(t, admin, `query($id: ID) { marketingConsents(customerId: $id) { channel changedBy } }`,
			map[string]any{"id": strconv.Itoa(id)}).MustOK(t, &read)
		if r := read.MarketingConsents[0]; r.ChangedBy != nil {
			t.Fatalf("the customer's own change still names staff: %q", *r.ChangedBy)
		}
		wantStatus(t, p.queue(t, id, "staff-consent:2", "content", true), message.StatusSKIPPED, "no marketing consent on EMAIL")
	})
}
