package notify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

const messagesQuery = `query Messages($email: String, $status: MessageStatus) {
  messages(first: 20, where: { customerEmail: $email, status: $status }) {
    edges { node { id kind channel status subject createdAt sentAt attempts lastError customer { email } order { number }
      preview { subject html text } } }
  }
}`

// messagesPage is the answer of messagesQuery.
type messagesPage struct {
	Messages struct {
		Edges []struct {
			Node struct {
				ID, Kind, Channel, Status string
				Subject, LastError        *string
				Attempts                  int
				Customer                  struct{ Email string }
				Order                     struct{ Number string }
				Preview                   struct{ Subject, HTML, Text string }
			}
		}
	}
}

// TestDeadMessageRetriedByStaff: a message whose every attempt fails is
// DEAD with its last error; staff see it (messages, filtered by status and
// customer, with its preview) and retry it, and it is sent once; a retry
// of anything but a DEAD message is CONFLICT; customers get FORBIDDEN for
// the list and the retry.
func TestDeadMessageRetriedByStaff(t *testing.T) {
	mailbox := startSMTP(t)
	mailbox.setRefuse(1000)
	s := mustServer(t, "", mailbox.URL())
	events := s.jobEvents(t)
	s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "AC-4001", Items: 1})
	for attempt := 1; attempt <= 2; attempt++ {
		waitEvent(t, events, river.EventKindJobFailed)
		s.clock.Advance(time.Duration(attempt) * time.Second)
	}
	waitEvent(t, events, river.EventKindJobCancelled)
	m := s.messageOf(t, "AC-4001")
	if m.Status != message.StatusDEAD || m.Attempts != 3 || m.LastError == nil || !strings.Contains(*m.LastError, "421") {
		t.Fatalf("after 3 refusals: %s, %d attempts, last error %v", m.Status, m.Attempts, m.LastError)
	}

	admin := s.Token(t, auth.RoleAdmin, "")
	var page messagesPage
	s.GQL(t, admin, messagesQuery, map[string]any{"email": "LEO@example.com", "status": "DEAD"}).MustOK(t, &page)
	if len(page.Messages.Edges) != 1 {
		t.Fatalf("staff see %d DEAD messages for leo, want 1", len(page.Messages.Edges))
	}
	n := page.Messages.Edges[0].Node
	if n.Kind != "ORDER_CONFIRMATION" || n.Channel != "EMAIL" || n.Order.Number != "AC-4001" || n.Customer.Email != "leo@example.com" ||
		n.LastError == nil || n.Attempts != 3 || !strings.Contains(n.Preview.HTML, "tracking-button") || n.Preview.Subject != *n.Subject {
		t.Errorf("the DEAD message as staff see it: %+v", n)
	}
	s.GQL(t, admin, messagesQuery, map[string]any{"email": "nobody@example.com"}).MustOK(t, &page)
	if len(page.Messages.Edges) != 0 {
		t.Errorf("the filter on another email found %d messages", len(page.Messages.Edges))
	}

	customer := s.Token(t, auth.RoleCustomer, "leo@example.com")
	s.GQL(t, customer, messagesQuery, nil).MustCode(t, "FORBIDDEN")
	const retry = `mutation($id: ID!) { retryMessage(id: $id) { message { id status } } }`
	s.GQL(t, customer, retry, map[string]any{"id": n.ID}).MustCode(t, "FORBIDDEN")
	if len(mailbox.received()) != 0 {
		t.Fatal("a refused message was received")
	}

	mailbox.setRefuse(0)
	var out struct {
		RetryMessage struct{ Message struct{ Status string } }
	}
	s.GQL(t, admin, retry, map[string]any{"id": n.ID}).MustOK(t, &out)
	if out.RetryMessage.Message.Status != "QUEUED" {
		t.Errorf("retried message is %s, want QUEUED", out.RetryMessage.Message.Status)
	}
	mailbox.wait(t)
	waitEvent(t, events, river.EventKindJobCompleted)
	if m := s.messageOf(t, "AC-4001"); m.Status != message.StatusSENT || m.Attempts != 4 {
		t.Errorf("after the retry: %s, %d attempts", m.Status, m.Attempts)
	}
	s.GQL(t, admin, retry, map[string]any{"id": n.ID}).MustCode(t, "CONFLICT")
	if got := len(mailbox.received()); got != 1 {
		t.Errorf("received %d emails, want 1", got)
	}
}

// TestTemplates: a template is checked against the kind's sample before it
// is saved (a syntax error or an unknown variable, in any part, is
// INVALID_INPUT naming the part, and nothing is saved); a saved one is
// what the next message is rendered with; customers get FORBIDDEN.
func TestTemplates(t *testing.T) {
	def, err := notify.DefaultTemplate(message.KindORDER_CONFIRMATION, message.ChannelEMAIL)
	if err != nil {
		t.Fatal(err)
	}
	if err := notify.Validate(message.KindORDER_CONFIRMATION, message.ChannelEMAIL, def); err != nil {
		t.Fatalf("the shipped template does not validate: %v", err)
	}
	mailbox := startSMTP(t)
	s := mustServer(t, "", mailbox.URL())
	admin := s.Token(t, auth.RoleAdmin, "")
	const save = `mutation($in: SaveMessageTemplateInput!) { saveMessageTemplate(input: $in) { template { subject isDefault } } }`
	input := func(subject, html, text string) map[string]any {
		return map[string]any{"in": map[string]any{"kind": "ORDER_CONFIRMATION", "channel": "EMAIL", "subject": subject, "html": html, "text": text}}
	}
	for _, tc := range []struct {
		name, subject, html, text, field string
	}{
		{"syntax error in the subject", "Order {{.OrderNumber", def.HTML, def.Text, "subject"},
		{"unknown variable in the text", def.Subject, def.HTML, "Hi {{.Nickname}}", "text"},
		{"unknown variable inside a loop", def.Subject, "{{range .Items}}{{.Colour}}{{end}}", def.Text, "html"},
		{"unknown variable inside a branch", def.Subject, def.HTML, "{{if .Discount}}{{.Coupon}}{{end}}", "text"},
		{"empty text part", def.Subject, def.HTML, " ", "text"},
	} {
		res := s.GQL(t, admin, save, input(tc.subject, tc.html, tc.text))
		res.MustCode(t, "INVALID_INPUT")
		if len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, tc.field) {
			t.Errorf("%s: error %+v does not name %s", tc.name, res.Errors, tc.field)
		}
	}
	const get = `{ messageTemplate(kind: ORDER_CONFIRMATION, channel: EMAIL) { subject isDefault } }`
	var got struct {
		MessageTemplate struct {
			Subject   string
			IsDefault bool
		}
	}
	s.GQL(t, admin, get, nil).MustOK(t, &got)
	if !got.MessageTemplate.IsDefault {
		t.Fatal("a refused template was saved")
	}
	s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), get, nil).MustCode(t, "FORBIDDEN")

	s.GQL(t, admin, save, input("Thanks {{.FirstName}}, {{.OrderNumber}} is on its way to being packed", def.HTML, def.Text)).MustOK(t, nil)
	s.GQL(t, admin, get, nil).MustOK(t, &got)
	if got.MessageTemplate.IsDefault {
		t.Error("the saved template is reported as the default")
	}
	s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-4101", Items: 1})
	if subj := mailbox.wait(t).Header.Get("Subject"); subj != "Thanks Mina, AC-4101 is on its way to being packed" {
		t.Errorf("subject %q, want the saved template's", subj)
	}
}

// TestTwoDispatchersSendEachOnce: two servers on one Postgres, orders
// imported through both, drain one outbox together: every confirmation
// reaches the SMTP server exactly once, after one attempt.
func TestTwoDispatchersSendEachOnce(t *testing.T) {
	dbURL := pgtest.Get(t).NewDatabase(t)
	mailbox := startSMTP(t)
	servers := []*testServer{mustServer(t, dbURL, mailbox.URL()), mustServer(t, dbURL, mailbox.URL())}
	const orders = 40
	// Imported one after another (the admission limit would refuse a
	// burst), while both servers' dispatchers poll the one outbox.
	for i := range orders {
		servers[i%2].MustImport(t, testserver.OrderSpec{Email: fmt.Sprintf("c%d@example.com", i), Number: fmt.Sprintf("AC-5%03d", i), Items: 1})
	}
	seen := map[string]int{}
	for range orders {
		seen[mailbox.wait(t).Header.Get("Message-Id")]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("Message-ID %s received %d times", id, n)
		}
	}
	if len(seen) != orders {
		t.Errorf("%d distinct emails, want %d", len(seen), orders)
	}
	msgs, err := servers[0].DB.Message.Query().Where(message.ChannelEQ(message.ChannelEMAIL)).All(sys(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != orders {
		t.Errorf("%d messages in the outbox, want %d", len(msgs), orders)
	}
	for _, m := range msgs {
		// Sent, and recorded after one attempt (the record follows the
		// send: wait for it rather than race it).
		if m.Attempts != 1 {
			t.Errorf("message %d: %d attempts", m.ID, m.Attempts)
		}
	}
}
