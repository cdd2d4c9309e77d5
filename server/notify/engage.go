package notify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"golang.org/x/net/html"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messageevent"
)

// Marketing is what every marketing kind's variables embed (a struct
// field `notify.Marketing` with no name), so each of its templates can
// show the visible unsubscribe link RFC 8058 asks for beside the header:
//
//	<a href="{{.UnsubscribeURL}}">Unsubscribe</a>
//
// The dispatcher fills it for a marketing message (Msg.Marketing); on a
// transactional one it stays empty (hide it with {{if .UnsubscribeURL}}).
type Marketing struct {
	// UnsubscribeURL is the signed one-click unsubscribe link of the
	// message's customer and channel.
	UnsubscribeURL string
}

// marketingSample is Marketing in a kind's sample, so templates that use
// it validate.
var marketingSample = Marketing{UnsubscribeURL: "https://shop.example.com/unsubscribe?t=sample"}

// marketer is a kind's variables that embed Marketing (through a pointer,
// so the dispatcher can fill it).
type marketer interface{ marketing() *Marketing }

// marketing implements marketer.
func (m *Marketing) marketing() *Marketing { return m }

// withMarketing fills the Marketing part of m's variables vars, if they
// have one and m is a marketing message; vars is returned as a pointer
// then (templates read fields through pointers alike).
func (s *Service) withMarketing(m *ent.Message, vars any) any {
	if m.Transactional || m.CustomerID == nil || vars == nil {
		return vars
	}
	v := reflect.ValueOf(vars)
	if v.Kind() != reflect.Pointer {
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		v = p
	}
	mk, ok := v.Interface().(marketer)
	if !ok {
		return vars
	}
	mk.marketing().UnsubscribeURL = s.unsubscribeURL(*m.CustomerID, m.Channel, m.ID)
	return v.Interface()
}

// base is the public URL links point to, without a trailing slash.
func (s *Service) base() string { return strings.TrimSuffix(*s.publicURL.Load(), "/") }

// SetPublicURL sets where the links of emails point when
// Rules.PublicURL is empty: the server calls it once it listens.
func (s *Service) SetPublicURL(u string) {
	if s.cfg.Rules.PublicURL == "" {
		s.publicURL.Store(&u)
	}
}

// Paths of the links of emails, served by Handler.
const (
	UnsubscribePath = "/unsubscribe"
	OpenPath        = "/m/open"
	ClickPath       = "/m/click"
)

// unsubscribeURL is the signed one-click unsubscribe link of customer id
// on channel (scope: marketing), in message messageID. The message is
// named only so the unsubscribe is recorded against it (an UNSUBSCRIBED
// event, counted in engagement): the link works while the customer
// exists, also in a forwarded or years-old email whose message was
// deleted, and only ever for its customer.
func (s *Service) unsubscribeURL(id int, channel message.Channel, messageID int) string {
	return s.base() + UnsubscribePath + "?t=" + s.sign("unsubscribe", fmt.Sprintf("%d|%s|marketing|%d", id, channel, messageID))
}

// openURL is message id's signed open pixel.
func (s *Service) openURL(id int) string {
	return s.base() + OpenPath + "?t=" + s.sign("open", strconv.Itoa(id))
}

// clickURL is message id's signed redirect to target.
func (s *Service) clickURL(id int, target string) string {
	return s.base() + ClickPath + "?t=" + s.sign("click", strconv.Itoa(id)+"|"+target)
}

// engage prepares m's rendered HTML for engagement, once, before it is
// stored (so every attempt sends the same bytes): a 1×1 open pixel is
// added at the end of the body, and in a marketing email each http(s)
// link becomes the message's signed redirect to it (the unsubscribe link
// excepted: following it is not interest). A transactional email keeps
// its links as written: the tracking button of a confirmation or a
// shipping update is the carrier's or the store's own page, which the
// customer (and a mail client's link preview) should see as it is. Only
// email has HTML; other channels pass.
func (s *Service) engage(m *ent.Message, r Rendered) Rendered {
	if m.Channel != message.ChannelEMAIL || r.HTML == "" {
		return r
	}
	out, err := rewriteLinks(r.HTML, func(href string) string {
		u, err := url.Parse(href)
		if m.Transactional || err != nil || (u.Scheme != "http" && u.Scheme != "https") || strings.HasPrefix(href, s.base()+UnsubscribePath) {
			return href
		}
		return s.clickURL(m.ID, href)
	}, fmt.Sprintf(`<img src="%s" width="1" height="1" alt="" style="display:block;border:0">`, html.EscapeString(s.openURL(m.ID))))
	if err != nil {
		// Never stop a message for its tracking: it goes untracked.
		s.log.Warn("engagement links not added", "message", m.ID, "err", err)
		return r
	}
	r.HTML = out
	return r
}

// rewriteLinks returns doc with every <a href> passed through link and
// pixel inserted before </body> (or appended when there is none). It
// works on html's tokenizer, so everything else is kept byte for byte.
func rewriteLinks(doc string, link func(string) string, pixel string) (string, error) {
	z := html.NewTokenizer(strings.NewReader(doc))
	var b bytes.Buffer
	placed := false
	for {
		tt := z.Next()
		// Copied first: Token and TagName may reuse Raw's bytes.
		raw := append([]byte(nil), z.Raw()...)
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return "", z.Err()
			}
			if !placed {
				b.WriteString(pixel)
			}
			return b.String(), nil
		case html.StartTagToken:
			t := z.Token()
			if t.Data == "a" {
				changed := false
				for i, a := range t.Attr {
					if a.Key == "href" && a.Namespace == "" {
						if n := link(a.Val); n != a.Val {
							t.Attr[i].Val, changed = n, true
						}
					}
				}
				if changed {
					b.WriteString(t.String())
					continue
				}
			}
			b.Write(raw)
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "body" && !placed {
				b.WriteString(pixel)
				placed = true
			}
			b.Write(raw)
		default:
			b.Write(raw)
		}
	}
}

// exempt records on m that a rule was waived for it (a transactional
// message sent although the rule would stop a marketing one), once per
// rule's wording.
func (s *Service) exempt(ctx context.Context, c *ent.Client, m *ent.Message, detail string) error {
	detail = truncate(detail, 500)
	n, err := c.MessageEvent.Query().Where(messageevent.MessageID(m.ID), messageevent.TypeEQ(messageevent.TypeEXEMPT),
		messageevent.Detail(detail)).Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	return c.MessageEvent.Create().SetMessageID(m.ID).SetType(messageevent.TypeEXEMPT).SetAt(s.now()).
		SetDetail(detail).Exec(ctx)
}
