package moderation_test

import (
	"fmt"
	"testing"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"  Free   SHIPPING! ": "free shipping",
		"STRASSE":             "strasse",
		"Straße":              "strasse", // full case folding
		"ＢＡＤ":                 "bad",     // NFKC: full-width letters
		"ﬁne":                 "fine",    // NFKC: the ligature
		"don't":               "don't",   // UAX #29 keeps the apostrophe in the word
		"!!!":                 "",
	} {
		if got := moderation.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatcher(t *testing.T) {
	m := moderation.NewMatcher([]moderation.Word{
		{Word: "bad", Action: types.WatchedBlock},
		{Word: "refund scam", Action: types.WatchedRequireApproval},
		{Word: "straße", Action: types.WatchedFlag},
		{Word: "café", Action: types.WatchedFlag},
	})
	for _, c := range []struct {
		texts []string
		want  string // blocked/approval/flagged
	}{
		{[]string{"So BAD."}, "[bad]/[]/[]"},
		{[]string{"a badge", "badly"}, "[]/[]/[]"}, // word boundaries
		{[]string{"REFUND—scam?"}, "[]/[refund scam]/[]"},
		{[]string{"refund", "scam"}, "[]/[]/[]"}, // a phrase does not span texts (title, body)
		{[]string{"the STRASSE"}, "[]/[]/[straße]"},
		{[]string{"Cafe\u0301 au lait"}, "[]/[]/[café]"}, // decomposed é, composed by NFKC
		{[]string{"bad bad bad"}, "[bad]/[]/[]"},         // each word once
	} {
		v := m.Check(c.texts...)
		if got := fmt.Sprintf("%v/%v/%v", v.Blocked, v.RequireApproval, v.Flagged); got != c.want {
			t.Errorf("Check(%q) = %s, want %s", c.texts, got, c.want)
		}
	}
}

func TestTransition(t *testing.T) {
	const (
		P, U, R, H = types.ModerationPending, types.ModerationPublished, types.ModerationRejected, types.ModerationHidden
	)
	for _, c := range []struct {
		from   types.ModerationStatus
		action types.ModerationAction
		to     types.ModerationStatus // "" for CONFLICT
	}{
		{P, types.ModerationApprove, U}, {R, types.ModerationApprove, U}, {U, types.ModerationApprove, ""}, {H, types.ModerationApprove, ""},
		{P, types.ModerationReject, R}, {U, types.ModerationReject, R}, {H, types.ModerationReject, R}, {R, types.ModerationReject, ""},
		{U, types.ModerationHide, H}, {P, types.ModerationHide, ""}, {H, types.ModerationHide, ""}, {R, types.ModerationHide, ""},
		{H, types.ModerationRestore, U}, {R, types.ModerationRestore, U}, {U, types.ModerationRestore, ""}, {P, types.ModerationRestore, ""},
	} {
		to, err := moderation.Transition(c.from, c.action)
		if c.to == "" {
			if errs.CodeOf(err) != errs.Conflict {
				t.Errorf("%s %s: %v %v, want CONFLICT", c.action, c.from, to, err)
			}
		} else if err != nil || to != c.to {
			t.Errorf("%s %s = %v %v, want %s", c.action, c.from, to, err, c.to)
		}
	}
}

func TestDisplayName(t *testing.T) {
	for _, c := range [][3]string{{"Mina", "Okafor", "Mina O."}, {"Mina", "", "Mina"}, {"", "Okafor", "Customer"}, {"Åsa", "öberg", "Åsa Ö."}} {
		if got := moderation.DisplayName(c[0], c[1]); got != c[2] {
			t.Errorf("DisplayName(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func TestCensor(t *testing.T) {
	m := moderation.NewMatcher([]moderation.Word{
		{Word: "darn", Action: types.WatchedCensor},
		{Word: "free money", Action: types.WatchedCensor},
		{Word: "bad", Action: types.WatchedFlag},
	})
	for in, want := range map[string]string{
		"This DARN box!":            "This **** box!",
		"darn, darn.":               "****, ****.",
		"Get FREE   money now":      "Get ****   ***** now",
		"free shipping, money back": "",        // not the phrase
		"darned badge, bad":         "",        // word boundaries; FLAG masks nothing
		"ｄａｒｎ it":                   "**** it", // full-width, matched by NFKC
		"Ça darn ça":                "Ça **** ça",
	} {
		got := m.Censor(in)
		switch {
		case want == "" && got != nil:
			t.Errorf("Censor(%q) = %q, want nothing censored", in, *got)
		case want != "" && (got == nil || *got != want):
			t.Errorf("Censor(%q) = %v, want %q", in, got, want)
		}
	}
	if v := m.Check("darn"); len(v.Censored) != 1 || len(v.Flagged) != 0 || v.Hold() {
		t.Errorf("Check: %+v", v)
	}
}
