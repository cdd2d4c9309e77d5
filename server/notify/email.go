package notify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/aftercart/aftercart/ent"
)

// mailer is the email channel's way out (SMTP; tests use a real SMTP
// server, never a fake mailer).
type mailer interface {
	send(ctx context.Context, m *ent.Message) error
	// close ends what the mailer keeps open between messages.
	close()
}

// smtpMailer sends through go-mail over a small pool of open SMTP
// sessions: dialing, EHLO, STARTTLS, AUTH and QUIT for every message
// cost more round trips than the message itself (issue 13's drain
// benchmark, BENCHMARKS.md). go-mail's Client keeps the options and is
// safe for concurrent use through its *WithSMTPClient methods; each
// pooled *smtp.Client is one session, used by one send at a time, and
// go-mail sends RSET after every message, so the next one starts clean.
type smtpMailer struct {
	cfg    Config
	u      *url.URL
	domain string
	// unsubscribe is the signed one-click link of a message's customer
	// on its channel (Service.unsubscribeURL).
	unsubscribe func(m *ent.Message) string
	// client holds the options every session is dialed with.
	client *mail.Client
	// idle are open sessions waiting for the next message (at most
	// cap(idle): the sends that can run at once, Config.Workers).
	idle chan *session
}

// session is one open SMTP session of the pool.
type session struct {
	c    *smtp.Client
	sent int       // messages sent on it
	used time.Time // last use (real time: an idle timeout is the server's)
}

// Session limits. Servers close idle sessions (RFC 5321 suggests 5
// minutes; many are quicker), and some refuse more than about a hundred
// messages on one: a session past either limit is closed and a fresh one
// dialed, rather than learning it from a failed message.
const sessionIdle = 30 * time.Second

var sessionMax = 100 // a variable for the drain benchmark (SetSessionMax)

// Close ends the SMTP sessions kept open between messages. Call it after
// the job system has stopped (no send is running).
func (s *Service) Close() {
	if s.mailer != nil {
		s.mailer.close()
	}
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
	m := &smtpMailer{cfg: cfg, u: u, domain: fromDomain(cfg.From), idle: make(chan *session, max(cfg.Workers, 1))}
	if m.client, err = m.newClient(); err != nil {
		return nil, err
	}
	return m, nil
}

// newClient is the go-mail client every session is dialed with.
func (s *smtpMailer) newClient() (*mail.Client, error) {
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
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SMTPTimeout)
	defer cancel()
	for {
		ses, pooled, err := s.get(ctx)
		if err != nil {
			return fmt.Errorf("dial failed: %w", err)
		}
		err = s.client.SendWithSMTPClient(ses.c, msg)
		if err == nil {
			s.put(ses)
			return nil
		}
		// Whatever failed, the session's state is unknown: close it.
		_ = ses.c.Close()
		var se *mail.SendError
		switch {
		case msg.IsDelivered():
			// The server said 250 after DATA and only the RSET that
			// follows failed: the message left; failing the attempt
			// would send it twice.
			return nil
		case pooled && errors.As(err, &se) && se.Reason == mail.ErrConnCheck:
			// A pooled session the server had closed (go-mail's NOOP
			// before MAIL found it dead): nothing was sent, dial anew.
			continue
		}
		return err
	}
}

// get returns an idle session (pooled) or dials a new one. Sessions past
// their idle time or message count are closed on the way.
func (s *smtpMailer) get(ctx context.Context) (ses *session, pooled bool, err error) {
	for {
		select {
		case ses = <-s.idle:
			if time.Since(ses.used) < sessionIdle {
				return ses, true, nil
			}
			_ = s.client.CloseWithSMTPClient(ses.c)
			continue
		default:
		}
		c, err := s.client.DialToSMTPClientWithContext(ctx)
		if err != nil {
			return nil, false, err
		}
		return &session{c: c}, false, nil
	}
}

// put returns ses to the pool after a message, or ends it (QUIT) when it
// has sent its share or the pool is full.
func (s *smtpMailer) put(ses *session) {
	ses.sent++
	ses.used = time.Now()
	if ses.sent < sessionMax {
		select {
		case s.idle <- ses:
			return
		default:
		}
	}
	_ = s.client.CloseWithSMTPClient(ses.c)
}

// close ends every idle session (QUIT); sessions in use end with their
// send (the job system has stopped by then).
func (s *smtpMailer) close() {
	for {
		select {
		case ses := <-s.idle:
			_ = s.client.CloseWithSMTPClient(ses.c)
		default:
			return
		}
	}
}
