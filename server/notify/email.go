package notify

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/wneessen/go-mail"

	"github.com/aftercart/aftercart/ent"
)

// mailer is the email channel's way out (SMTP; tests use a real SMTP
// server, never a fake mailer).
type mailer interface {
	send(ctx context.Context, m *ent.Message) error
}

// smtpMailer sends through go-mail, one connection per message: simple and
// correct; a pooled connection is the dispatcher's next speed-up (the
// benchmark of issue 13 will say when it is needed).
type smtpMailer struct {
	cfg    Config
	u      *url.URL
	domain string
	// unsubscribe is the signed one-click link of a message's customer
	// on its channel (Service.unsubscribeURL).
	unsubscribe func(m *ent.Message) string
}

// newSMTPMailer checks cfg's SMTP URL and sender.
func newSMTPMailer(cfg Config) (*smtpMailer, error) {
	u, err := parseSMTPURL(cfg.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("notify: -smtp-url %s", err)
	}
	if cfg.From == "" {
		return nil, fmt.Errorf("notify: a sender address (-mail-from) is needed with -smtp-url")
	}
	probe := mail.NewMsg()
	if err := probe.From(cfg.From); err != nil {
		return nil, fmt.Errorf("notify: -mail-from %q is not an address: %w", cfg.From, err)
	}
	return &smtpMailer{cfg: cfg, u: u, domain: fromDomain(cfg.From)}, nil
}

// client is a go-mail client for one send.
func (s *smtpMailer) client() (*mail.Client, error) {
	opts := []mail.Option{mail.WithTimeout(s.cfg.SMTPTimeout)}
	port := 587
	if s.u.Scheme == "smtps" {
		port = 465
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if p := s.u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("notify: -smtp-url has port %q", p)
		}
		port = n
	}
	opts = append(opts, mail.WithPort(port))
	if user := s.u.User; user != nil {
		pass, _ := user.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(user.Username()), mail.WithPassword(pass))
	}
	return mail.NewClient(s.u.Hostname(), opts...)
}

// send sends m as a multipart/alternative email: plain text and HTML.
func (s *smtpMailer) send(ctx context.Context, m *ent.Message) error {
	msg := mail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return err
	}
	if err := msg.To(m.Recipient); err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(deref(m.Subject))
	msg.SetMessageIDWithValue(MessageID(m.DedupeKey, s.domain))
	msg.SetDateWithValue(s.cfg.Clock.Now())
	msg.SetGenHeader(mail.Header("X-Aftercart-Kind"), string(m.Kind))
	if !m.Transactional {
		msg.SetBulk()
		if m.CustomerID != nil {
			// RFC 2369 + RFC 8058: mail clients show an unsubscribe
			// button that POSTs to the link (unsubscribe.go).
			msg.SetGenHeader(mail.Header("List-Unsubscribe"), "<"+s.unsubscribe(m)+">")
			msg.SetGenHeader(mail.Header("List-Unsubscribe-Post"), oneClickBody)
		}
	}
	msg.SetBodyString(mail.TypeTextPlain, deref(m.BodyText))
	if html := deref(m.BodyHTML); html != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, html)
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SMTPTimeout)
	defer cancel()
	return c.DialAndSendWithContext(ctx, msg)
}
