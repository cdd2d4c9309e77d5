package reviews

import (
	"strings"
	"unicode/utf8"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
)

// Limits on what a review holds.
const (
	// MaxMedia is the most photos and videos one review may carry.
	MaxMedia = 6
	// MaxTitle and MaxBody bound the texts, in characters.
	MaxTitle = 150
	MaxBody  = 5000
)

// InitialStatus is the publishing rule: a verified review that no watched
// word holds is published at once; anything else waits for staff. It
// takes no rating on purpose (see the package documentation: the FTC's
// 2024 rule against review suppression).
func InitialStatus(verified bool, v moderation.Verdict) types.ModerationStatus {
	if verified && !v.Hold() {
		return types.ModerationPublished
	}
	return types.ModerationPending
}

// holdReason explains a PENDING outcome for the trail.
func holdReason(verified bool, v moderation.Verdict) string {
	var why []string
	if !verified {
		why = append(why, "author is not a verified buyer")
	}
	if v.Hold() {
		why = append(why, "watched words need approval: "+strings.Join(v.RequireApproval, ", "))
	}
	return strings.Join(why, "; ")
}

// content is a review's text as written, after trimming.
type content struct {
	rating int
	title  *string
	body   string
}

// checkContent validates a review's rating and texts; field prefixes the
// error's field ("input").
func checkContent(rating int, title *string, body string, mediaIDs []int) (content, error) {
	c := content{rating: rating, body: strings.TrimSpace(body)}
	switch {
	case rating < 1 || rating > 5:
		return c, errs.Invalid("input.rating", "must be 1 to 5 stars, got %d", rating)
	case c.body == "":
		return c, errs.Invalid("input.body", "must not be empty")
	case utf8.RuneCountInString(c.body) > MaxBody:
		return c, errs.Invalid("input.body", "at most %d characters", MaxBody)
	case len(mediaIDs) > MaxMedia:
		return c, errs.Invalid("input.mediaIds", "at most %d photos or videos, got %d", MaxMedia, len(mediaIDs))
	}
	if title != nil {
		if t := strings.TrimSpace(*title); t != "" {
			if utf8.RuneCountInString(t) > MaxTitle {
				return c, errs.Invalid("input.title", "at most %d characters", MaxTitle)
			}
			c.title = &t
		}
	}
	return c, nil
}

// checkWords refuses blocked words, naming the field they are in.
func checkWords(m *moderation.Matcher, title *string, body string) (moderation.Verdict, error) {
	t := ""
	if title != nil {
		t = *title
	}
	if v := m.Check(t); len(v.Blocked) > 0 {
		return v, errs.Invalid("input.title", "contains a word that is not allowed: %q", v.Blocked[0])
	}
	v := m.Check(t, body)
	if len(v.Blocked) > 0 {
		return v, errs.Invalid("input.body", "contains a word that is not allowed: %q", v.Blocked[0])
	}
	return v, nil
}
