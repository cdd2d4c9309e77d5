package notify_test

import (
	"strings"
	"testing"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestPreviewTemplateForAnOrder: staff render a template they have not
// saved with a chosen order's variables; nothing is saved or queued. A bad
// template, an unknown order, a kind that needs more than an order and a
// customer each get their error.
func TestPreviewTemplateForAnOrder(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		admin := s.Token(t, auth.RoleAdmin, "")
		imported := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-4201", Items: 2})
		mailbox.wait(t)
		before := s.DB.Message.Query().CountX(sys(t))

		const preview = `query($in: PreviewMessageTemplateInput!) { previewMessageTemplate(input: $in) { subject html text } }`
		in := func(kind, subject, html, text, orderID string) map[string]any {
			return map[string]any{"in": map[string]any{"kind": kind, "channel": "EMAIL", "subject": subject,
				"html": html, "text": text, "orderId": orderID}}
		}
		var out struct {
			PreviewMessageTemplate struct{ Subject, HTML, Text string }
		}
		s.GQL(t, admin, preview, in("ORDER_CONFIRMATION", "{{.OrderNumber}} for {{.FirstName}}",
			`<ul>{{range .Items}}<li>{{.Name}} × {{.Quantity}}</li>{{end}}</ul>`,
			"{{len .Items}} items, {{.Total}}", imported.ID)).MustOK(t, &out)
		p := out.PreviewMessageTemplate
		if p.Subject != "AC-4201 for Mina" || strings.Count(p.HTML, "<li>") != 2 || !strings.HasPrefix(p.Text, "2 items, ") {
			t.Errorf("preview: %+v", p)
		}
		var tmpl struct{ MessageTemplate struct{ IsDefault bool } }
		s.GQL(t, admin, `{ messageTemplate(kind: ORDER_CONFIRMATION, channel: EMAIL) { isDefault } }`, nil).MustOK(t, &tmpl)
		if !tmpl.MessageTemplate.IsDefault {
			t.Error("a previewed template was saved")
		}
		if n := s.DB.Message.Query().CountX(sys(t)); n != before {
			t.Errorf("%d messages after a preview, %d before", n, before)
		}

		s.GQL(t, admin, preview, in("ORDER_CONFIRMATION", "Hi {{.Nickname}}", "", "x", imported.ID)).MustCode(t, "INVALID_INPUT")
		s.GQL(t, admin, preview, in("ORDER_CONFIRMATION", "Hi", "", "x", "999999")).MustCode(t, "NOT_FOUND")
		s.GQL(t, admin, preview, in("SHIPPED", "{{.OrderNumber}}", "", "x", imported.ID)).MustCode(t, "INVALID_INPUT")
		s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), preview,
			in("ORDER_CONFIRMATION", "Hi", "", "x", imported.ID)).MustCode(t, "FORBIDDEN")
	})
}
