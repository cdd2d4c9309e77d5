package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messagetemplate"
	"github.com/aftercart/aftercart/server/errs"
)

// Channels per journey: a journey's Channels setting says on which
// channels each of its messages goes out (queueJourney queues one
// message per channel, each with its own dedupe key). A channel is
// accepted at save only if it can work: WEBHOOK needs the store's
// channel URL (Config.Webhook.URL, -webhook-channel-url), and every kind
// of the journey needs a template of its own on the channel, saved by
// staff or shipped (templates/<kind>.in_app.* for IN_APP,
// templates/<kind>.webhook.* for WEBHOOK: the confirmation, the shipping
// updates and the review journey ship both). The email's template does not
// count for another channel at save: a whole email is no push
// notification or SMS, and a journey switched to a channel should not
// send that by surprise. (Rendering still falls back to it, for a message
// queued on a channel some other way.)

// validateChannels checks in for spec and returns it as the column
// stores it; nil in is nil (unchanged). Errors are INVALID_INPUT naming
// input.channels[i].
func (s *Service) validateChannels(ctx context.Context, spec journeySpec, in []message.Channel) ([]string, error) {
	if in == nil {
		return nil, nil
	}
	if len(in) == 0 {
		return nil, errs.Invalid("input.channels", "name at least one channel; turn the journey off with enabled: false")
	}
	out := make([]string, 0, len(in))
	seen := map[message.Channel]bool{}
	for i, ch := range in {
		f := fmt.Sprintf("input.channels[%d]", i)
		switch {
		case message.ChannelValidator(ch) != nil:
			return nil, errs.Invalid(f, "no channel %q", ch)
		case seen[ch]:
			return nil, errs.Invalid(f, "%s is listed twice", ch)
		case ch == message.ChannelWEBHOOK && s.cfg.Webhook.URL == "":
			return nil, errs.Invalid(f, "the WEBHOOK channel needs the store's channel URL (-webhook-channel-url)")
		}
		seen[ch] = true
		for _, kind := range spec.kinds {
			ok, err := s.hasTemplate(ctx, kind, ch)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, errs.Invalid(f, "%s has no %s template: save one (saveMessageTemplate) first", kind, ch)
			}
		}
		out = append(out, string(ch))
	}
	return out, nil
}

// hasTemplate reports whether kind has a template of its own on ch:
// saved by staff, or shipped for that channel.
func (s *Service) hasTemplate(ctx context.Context, kind message.Kind, ch message.Channel) (bool, error) {
	if shipped(kind, ch) {
		return true, nil
	}
	return s.db.MessageTemplate.Query().Where(messagetemplate.KindEQ(messagetemplate.Kind(kind)),
		messagetemplate.ChannelEQ(messagetemplate.Channel(ch))).Exist(ctx)
}

// shipped reports whether the package ships kind's template for ch
// (channelFiles).
func shipped(kind message.Kind, ch message.Channel) bool {
	if _, ok := kinds[kind]; !ok {
		return false
	}
	base := channelFiles(kind, ch)
	for _, ext := range []string{".subject.tmpl", ".txt.tmpl"} {
		if _, err := defaults.ReadFile(base + ext); err != nil {
			return false
		}
	}
	return true
}

// channelFiles is the path, without its part's extension, of kind's
// shipped template for ch: templates/<kind> for EMAIL,
// templates/<kind>.in_app and templates/<kind>.webhook for the others.
func channelFiles(kind message.Kind, ch message.Channel) string {
	base := "templates/" + strings.ToLower(string(kind))
	if ch == message.ChannelEMAIL {
		return base
	}
	return base + "." + strings.ToLower(string(ch))
}
