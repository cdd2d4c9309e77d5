package support_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent/supportcontact"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// record is the help desk's mutation.
const record = `mutation R($input: RecordSupportContactInput!) {
  recordSupportContact(input: $input) {
    replayed
    contact { id channel topic at note externalId recordedBy customer { email } order { number } }
  }
}`

// contactJSON mirrors the payload.
type contactJSON struct {
	RecordSupportContact struct {
		Replayed bool
		Contact  struct {
			ID, Channel, Topic, At string
			Note, ExternalID       *string
			RecordedBy             string
			Customer               struct{ Email string }
			Order                  *struct{ Number string }
		}
	}
}

// TestRecordSupportContact, on both databases: the help desk records a
// contact by email or customer id, with or without an order and a time
// (now, on the server's clock); the same ticket twice is one contact;
// every bad input is refused with its code and writes nothing; a
// customer is FORBIDDEN.
func TestRecordSupportContact(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
		s := mustServer(t, dbURL, func(c *app.Config) { c.Clock = clock })
		integ, admin := s.Integration(t), s.Token(t, auth.RoleAdmin, "")
		mina := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "M-1", Items: 1})
		leo := s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "L-1", Items: 1})
		var cu struct {
			Order struct{ Customer struct{ ID string } }
		}
		s.GQL(t, admin, `query { order(number: "M-1") { customer { id } } }`, nil).MustOK(t, &cu)
		minaID := cu.Order.Customer.ID

		var got contactJSON
		s.GQL(t, integ, record, map[string]any{"input": map[string]any{"email": " Mina@Example.com ", "orderId": mina.ID,
			"channel": "EMAIL", "topic": "DELIVERY", "note": "  Where is my parcel?  ", "externalId": "zd-1001"}}).MustOK(t, &got)
		c := got.RecordSupportContact.Contact
		if got.RecordSupportContact.Replayed || c.Channel != "EMAIL" || c.Topic != "DELIVERY" || c.Customer.Email != "mina@example.com" ||
			c.Order == nil || c.Order.Number != "M-1" || c.Note == nil || *c.Note != "Where is my parcel?" ||
			c.ExternalID == nil || *c.ExternalID != "zd-1001" || c.RecordedBy == "" {
			t.Errorf("recorded %+v", c)
		}
		if at, err := time.Parse(time.RFC3339, c.At); err != nil || !at.Equal(clock.Now()) {
			t.Errorf("at %s (%v), want the server's now %s", c.At, err, clock.Now())
		}
		first := c.ID

		// The same ticket again (the help desk retried): the first contact, nothing written.
		s.GQL(t, integ, record, map[string]any{"input": map[string]any{"customerId": minaID, "channel": "PHONE",
			"externalId": "zd-1001"}}).MustOK(t, &got)
		if !got.RecordSupportContact.Replayed || got.RecordSupportContact.Contact.ID != first || got.RecordSupportContact.Contact.Channel != "EMAIL" {
			t.Errorf("replay: %+v, want the first contact", got.RecordSupportContact)
		}

		// By customer id, at a given time, no order, topic defaults to OTHER.
		at := clock.Now().Add(-48 * time.Hour)
		s.GQL(t, admin, record, map[string]any{"input": map[string]any{"customerId": minaID, "email": "mina@example.com",
			"channel": "PHONE", "at": at.Format(time.RFC3339)}}).MustOK(t, &got)
		if c := got.RecordSupportContact.Contact; c.Topic != "OTHER" || c.Order != nil || c.At != at.Format(time.RFC3339) {
			t.Errorf("by id: %+v", c)
		}

		count := func() int {
			n, err := s.DB.SupportContact.Query().Count(auth.WithSystem(t.Context()))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 2 {
			t.Fatalf("%d contacts, want 2", n)
		}
		for _, bad := range []struct {
			name, code string
			in         map[string]any
		}{
			{"no customer", "INVALID_INPUT", map[string]any{"channel": "CHAT"}},
			{"blank email", "INVALID_INPUT", map[string]any{"email": "  ", "channel": "CHAT"}},
			{"unknown email", "NOT_FOUND", map[string]any{"email": "nobody@example.com", "channel": "CHAT"}},
			{"id and email disagree", "INVALID_INPUT", map[string]any{"customerId": minaID, "email": "leo@example.com", "channel": "CHAT"}},
			{"another customer's order", "INVALID_INPUT", map[string]any{"email": "mina@example.com", "orderId": leo.ID, "channel": "CHAT"}},
			{"in the future", "INVALID_INPUT", map[string]any{"email": "mina@example.com", "channel": "CHAT",
				"at": clock.Now().Add(time.Hour).Format(time.RFC3339)}},
			{"before 2000", "INVALID_INPUT", map[string]any{"email": "mina@example.com", "channel": "CHAT", "at": "1999-12-31T00:00:00Z"}},
			{"note too long", "INVALID_INPUT", map[string]any{"email": "mina@example.com", "channel": "CHAT", "note": strings.Repeat("n", 2001)}},
			{"ticket of another customer", "CONFLICT", map[string]any{"email": "leo@example.com", "channel": "CHAT", "externalId": "zd-1001"}},
			{"unknown channel", "GRAPHQL_VALIDATION_FAILED", map[string]any{"email": "mina@example.com", "channel": "PIGEON"}},
		} {
			t.Run(bad.name, func(t *testing.T) {
				s.GQL(t, integ, record, map[string]any{"input": bad.in}).MustCode(t, bad.code)
			})
		}
		s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), record,
			map[string]any{"input": map[string]any{"email": "mina@example.com", "channel": "CHAT"}}).MustCode(t, "FORBIDDEN")
		s.GQL(t, "", record, map[string]any{"input": map[string]any{"email": "mina@example.com", "channel": "CHAT"}}).MustCode(t, "UNAUTHENTICATED")
		if n := count(); n != 2 {
			t.Errorf("%d contacts after refused inputs, want still 2", n)
		}
		// A customer cannot read contacts through the graph either.
		if n, err := s.DB.SupportContact.Query().Where(supportcontact.ExternalID("zd-1001")).Count(
			auth.NewContext(t.Context(), &auth.Viewer{Role: auth.RoleCustomer, Email: "mina@example.com"})); err == nil || n != 0 {
			t.Errorf("a customer's query: %d contacts, err %v; want FORBIDDEN", n, err)
		}
	})
}
