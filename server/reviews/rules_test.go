package reviews

import (
	"testing"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/moderation"
)

// TestInitialStatusIgnoresRating: the rule has no rating input at all (the
// FTC's 2024 rule against review suppression); this table pins what it
// does with the inputs it has.
func TestInitialStatusIgnoresRating(t *testing.T) {
	hold := moderation.Verdict{RequireApproval: []string{"x"}}
	flag := moderation.Verdict{Flagged: []string{"y"}}
	for _, c := range []struct {
		verified bool
		v        moderation.Verdict
		want     types.ModerationStatus
	}{
		{true, moderation.Verdict{}, types.ModerationPublished},
		{true, flag, types.ModerationPublished},
		{true, hold, types.ModerationPending},
		{false, moderation.Verdict{}, types.ModerationPending},
		{false, hold, types.ModerationPending},
	} {
		if got := InitialStatus(c.verified, c.v); got != c.want {
			t.Errorf("InitialStatus(%v, %+v) = %s, want %s", c.verified, c.v, got, c.want)
		}
	}
}
