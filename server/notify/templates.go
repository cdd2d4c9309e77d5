package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/errs"
)

// defaults are the templates shipped with the server, used for a (kind,
// channel) staff have not saved a template for: templates/<kind>.subject.tmpl,
// .txt.tmpl and .html.tmpl, with <kind> in lower case.
//
//go:embed templates/*.tmpl
var defaults embed.FS

// Template is the source of one kind's message on one channel.
type Template struct {
	// Subject is the email subject or notification title (text/template);
	// it renders to one line.
	Subject string
	// HTML is the HTML part (html/template: every value is escaped for
	// where it appears).
	HTML string
	// Text is the plain-text part (text/template), sent beside the HTML.
	Text string
}

// Rendered is a message's content, as the customer gets it.
type Rendered struct {
	Subject, HTML, Text string
}

// compiled is a parsed Template.
type compiled struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
}

// parse parses t; an error names the part and carries the template
// package's own message (line and column included), as INVALID_INPUT.
func parse(t Template) (*compiled, error) {
	var c compiled
	var err error
	if strings.TrimSpace(t.Subject) == "" {
		return nil, errs.Invalid("subject", "is required")
	}
	if strings.TrimSpace(t.Text) == "" {
		return nil, errs.Invalid("text", "is required: every email has a plain-text part")
	}
	if c.subject, err = texttemplate.New("subject").Option("missingkey=error").Parse(t.Subject); err != nil {
		return nil, errs.Invalid("subject", "%s", err)
	}
	if c.text, err = texttemplate.New("text").Option("missingkey=error").Parse(t.Text); err != nil {
		return nil, errs.Invalid("text", "%s", err)
	}
	if c.html, err = htmltemplate.New("html").Option("missingkey=error").Parse(t.HTML); err != nil {
		return nil, errs.Invalid("html", "%s", err)
	}
	return &c, nil
}

// execute renders c with vars. Errors name the part (an unknown variable
// is "can't evaluate field X in type notify.OrderConfirmation").
func (c *compiled) execute(vars any) (Rendered, error) {
	var r Rendered
	var b bytes.Buffer
	if err := c.subject.Execute(&b, vars); err != nil {
		return r, errs.Invalid("subject", "%s", err)
	}
	// A subject is one header line: newlines from a template or a value
	// would end the header (and begin another).
	r.Subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := c.text.Execute(&b, vars); err != nil {
		return r, errs.Invalid("text", "%s", err)
	}
	r.Text = b.String()
	b.Reset()
	if err := c.html.Execute(&b, vars); err != nil {
		return r, errs.Invalid("html", "%s", err)
	}
	r.HTML = b.String()
	return r, nil
}

// Validate checks a template for kind on channel as staff would save it:
// it must parse, and render a sample of the kind's variables with every
// field and every list filled, so that every branch and loop body runs and
// an unknown variable anywhere is found now rather than when the messages
// go out. Errors are INVALID_INPUT naming the part (subject, text, html).
func Validate(kind message.Kind, channel message.Channel, t Template) error {
	spec, ok := kinds[kind]
	if !ok {
		return errs.Invalid("kind", "%s messages are not sent yet, so they have no template", kind)
	}
	switch {
	case channel == message.ChannelIN_APP && strings.TrimSpace(t.HTML) != "":
		return errs.Invalid("html", "in-app notifications have no HTML part: the subject is the title, the text the body")
	case channel != message.ChannelEMAIL && channel != message.ChannelIN_APP && channel != message.ChannelWEBHOOK:
		return errs.Invalid("channel", "only EMAIL, IN_APP and WEBHOOK templates exist")
	}
	c, err := parse(t)
	if err != nil {
		return err
	}
	for _, sample := range append([]any{spec.sample}, spec.variants...) {
		r, err := c.execute(sample)
		if err != nil {
			return err
		}
		if r.Subject == "" {
			return errs.Invalid("subject", "renders empty")
		}
	}
	return nil
}

// DefaultTemplate is the shipped template of kind on channel.
//
// IN_APP has no HTML part: its files are templates/<kind>.in_app.subject.tmpl
// (the title) and .in_app.txt.tmpl (the body). A kind that ships no IN_APP
// files falls back to its EMAIL subject and text (inAppDefault), so a
// journey added without them still notifies in the app, just verbosely.
func DefaultTemplate(kind message.Kind, channel message.Channel) (Template, error) {
	// WEBHOOK messages (SMS, push) use their kind's .webhook files, or
	// else the email's subject and text parts, as their title and text.
	if _, ok := kinds[kind]; !ok || (channel != message.ChannelEMAIL && channel != message.ChannelIN_APP && channel != message.ChannelWEBHOOK) {
		return Template{}, errs.Errorf(errs.NotFound, "no default template for %s on %s", kind, channel)
	}
	if channel == message.ChannelIN_APP {
		return inAppDefault(kind)
	}
	if channel == message.ChannelWEBHOOK && shipped(kind, channel) {
		// Its own short title and text (templates/<kind>.webhook.*).
		base := channelFiles(kind, channel)
		subject, serr := defaults.ReadFile(base + ".subject.tmpl")
		text, terr := defaults.ReadFile(base + ".txt.tmpl")
		if serr == nil && terr == nil {
			return Template{Subject: string(subject), Text: string(text)}, nil
		}
	}
	base := "templates/" + strings.ToLower(string(kind))
	var t Template
	for _, part := range []struct {
		ext string
		to  *string
	}{{".subject.tmpl", &t.Subject}, {".txt.tmpl", &t.Text}, {".html.tmpl", &t.HTML}} {
		b, err := defaults.ReadFile(base + part.ext)
		if err != nil {
			return Template{}, fmt.Errorf("notify: default template %s%s: %w", base, part.ext, err)
		}
		*part.to = string(b)
	}
	return t, nil
}
