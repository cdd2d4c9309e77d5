package reviews

import (
	"context"

	"github.com/aftercart/aftercart/ent"
)

// CENSOR watched words are masked in a review's title and body when it is
// written (censored_title, censored_body; server/moderation.Matcher.Censor),
// and every viewer but the author and staff reads the masked copies: the
// unmasked words never leave the server for them, through any field.

// Title is r's title as the viewer in ctx may read it.
func Title(ctx context.Context, r *ent.Review) *string {
	if r.CensoredTitle != nil && !seesPurchase(ctx, r) {
		return r.CensoredTitle
	}
	return r.Title
}

// Body is r's text as the viewer in ctx may read it.
func Body(ctx context.Context, r *ent.Review) string {
	if r.CensoredBody != nil && !seesPurchase(ctx, r) {
		return *r.CensoredBody
	}
	return r.Body
}
