package moderation

import (
	"strings"
	"unicode"

	"github.com/rivo/uniseg"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/aftercart/aftercart/ent/schema/types"
)

// MaxWordLen bounds a watched word or phrase, in bytes after normalization.
const MaxWordLen = 100

// Normalize returns s as watched words are stored and compared: NFKC,
// case-folded, its words (UAX #29) joined by single spaces, punctuation
// dropped. "  Free   SHIPPING! " becomes "free shipping".
func Normalize(s string) string { return strings.Join(words(s), " ") }

// words splits s into normalized words (see the package documentation).
func words(s string) []string {
	s = cases.Fold().String(norm.NFKC.String(s))
	var out []string
	state := -1
	for len(s) > 0 {
		var w string
		w, s, state = uniseg.FirstWordInString(s, state)
		if isWord(w) {
			out = append(out, w)
		}
	}
	return out
}

// isWord reports whether a UAX #29 segment is a word rather than space or
// punctuation.
func isWord(seg string) bool {
	for _, r := range seg {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// Word is a watched word as the matcher needs it.
type Word struct {
	// Word is the normalized word or phrase.
	Word string
	// Action is what a match does.
	Action types.WatchedWordAction
}

// Matcher finds watched words in text. Build one per write with
// NewMatcher: the list is small and staff change it at any time.
type Matcher struct {
	// byFirst indexes phrases by their first word, so matching is one map
	// lookup per word of the text.
	byFirst map[string][]phrase
}

type phrase struct {
	words []string
	word  Word
}

// NewMatcher compiles ws.
func NewMatcher(ws []Word) *Matcher {
	m := &Matcher{byFirst: map[string][]phrase{}}
	for _, w := range ws {
		parts := words(w.Word)
		if len(parts) == 0 {
			continue
		}
		m.byFirst[parts[0]] = append(m.byFirst[parts[0]], phrase{words: parts, word: w})
	}
	return m
}

// Verdict is what the watched words found in a piece of content.
type Verdict struct {
	// Blocked, RequireApproval, Flagged and Censored list the matched
	// words by action, each word once, in order of first appearance.
	Blocked, RequireApproval, Flagged, Censored []string
}

// Hold reports whether the content must wait for staff.
func (v Verdict) Hold() bool { return len(v.RequireApproval) > 0 }

// Watched lists the non-blocking matches, for staff to see on the item.
func (v Verdict) Watched() []string {
	return append(append([]string(nil), v.RequireApproval...), v.Flagged...)
}

// Check matches every text (a title and a body, say) against the words.
func (m *Matcher) Check(texts ...string) Verdict {
	var v Verdict
	seen := map[string]bool{}
	for _, t := range texts {
		ws := words(t)
		for i, w := range ws {
			for _, p := range m.byFirst[w] {
				if seen[p.word.Word] || !hasPrefix(ws[i:], p.words) {
					continue
				}
				seen[p.word.Word] = true
				switch p.word.Action {
				case types.WatchedBlock:
					v.Blocked = append(v.Blocked, p.word.Word)
				case types.WatchedRequireApproval:
					v.RequireApproval = append(v.RequireApproval, p.word.Word)
				case types.WatchedCensor:
					v.Censored = append(v.Censored, p.word.Word)
				default:
					v.Flagged = append(v.Flagged, p.word.Word)
				}
			}
		}
	}
	return v
}

func hasPrefix(s, prefix []string) bool {
	if len(prefix) > len(s) {
		return false
	}
	for i := range prefix {
		if s[i] != prefix[i] {
			return false
		}
	}
	return true
}

// Censor returns text with every CENSOR watched word or phrase masked, one
// "*" per character (grapheme cluster) of each word, the text between
// words kept; nil when nothing is censored, so callers store nil and
// every viewer reads the text as written.
//
// Matching is Check's: the original text is split at the same UAX #29
// word boundaries, and each word is normalized on its own to compare, so
// the mask covers exactly the words that matched, however they were
// written ("B.A.D", full-width letters, any case).
func (m *Matcher) Censor(text string) *string {
	type token struct {
		norm       string
		start, end int
	}
	var toks []token
	rest, state, at := text, -1, 0
	for len(rest) > 0 {
		var seg string
		seg, rest, state = uniseg.FirstWordInString(rest, state)
		if isWord(seg) {
			for _, w := range words(seg) {
				toks = append(toks, token{norm: w, start: at, end: at + len(seg)})
			}
		}
		at += len(seg)
	}
	masked := make([]bool, len(toks))
	found := false
	norms := make([]string, len(toks))
	for i, t := range toks {
		norms[i] = t.norm
	}
	for i := range toks {
		for _, p := range m.byFirst[norms[i]] {
			if p.word.Action != types.WatchedCensor || !hasPrefix(norms[i:], p.words) {
				continue
			}
			for j := i; j < i+len(p.words); j++ {
				masked[j], found = true, true
			}
		}
	}
	if !found {
		return nil
	}
	var b strings.Builder
	last := 0
	for i, t := range toks {
		if !masked[i] || t.start < last {
			continue
		}
		b.WriteString(text[last:t.start])
		b.WriteString(strings.Repeat("*", uniseg.GraphemeClusterCount(text[t.start:t.end])))
		last = t.end
	}
	b.WriteString(text[last:])
	out := b.String()
	return &out
}

// CensorPtr is Censor for an optional text (a review's title).
func (m *Matcher) CensorPtr(text *string) *string {
	if text == nil {
		return nil
	}
	return m.Censor(*text)
}
