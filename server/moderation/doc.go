// Package moderation is aftercart's moderation core, built once for every
// kind of customer content: reviews now, community posts and comments
// next (issue 11). It owns
//
//   - the status machine (PENDING, PUBLISHED, REJECTED, HIDDEN) and the
//     staff actions that move an item through it (APPROVE, REJECT, HIDE,
//     RESTORE; see Transition);
//   - the audit trail: every decision, by staff or by a publishing rule
//     ("auto"), is an append-only ModerationDecision row written in the
//     transaction that changes the item, readable by staff per item and per
//     author (the moderationDecisions query); staff decisions about an
//     author (SILENCE, UNSILENCE; RecordAuthor) join it too, with the
//     customer as the item and no statuses, so the author's trail shows
//     them beside their content's;
//   - the queue: pending items of every registered Kind, oldest first, with
//     their total count (Queue merges the kinds' own ordered reads, so each
//     kind keeps its status on its own row and no second copy can drift);
//   - watched words: staff-managed words and phrases that block a write,
//     hold it for approval or flag it, matched case-insensitively on word
//     boundaries (see Matcher).
//
// A content kind plugs in by implementing Kind and calling Register; it
// calls Record for the outcomes of its own publishing rule, so that the
// trail shows why an item was published or held without staff ever
// touching it. Everything here is staff-only: customers get FORBIDDEN.
//
// The core dates what it writes (decisions in the trail, the decided_at of
// the flags a decision settles) by the app's clock (WithClock), the one the
// content kinds date their items, flags and silences by, so that tests
// move time for all of them at once.
//
// # Matching watched words
//
// Text and words are normalized the same way (Normalize): Unicode NFKC,
// so that compatibility forms (full-width letters, ligatures such as "ﬁ")
// compare equal to their plain forms, then full Unicode case folding
// (golang.org/x/text/cases), so "STRASSE", "Straße" and "strasse" match.
// The text is then split into words at the word boundaries of Unicode
// Standard Annex #29 (github.com/rivo/uniseg), which handles apostrophes,
// decimal numbers and every script that separates words; segments without
// a letter or digit (spaces, punctuation) are dropped. A watched word or
// phrase matches when its words appear consecutively: "bad" matches "Bad!"
// and "so BAD." but not "badge", and "free shipping" matches "FREE
// shipping" across any spacing or punctuation. Scripts written without
// spaces (Chinese, Japanese, Thai) are segmented per character or not at
// all by UAX #29 without a dictionary, so a watched word in them matches
// only where the annex puts boundaries; staff should watch single
// characters or whole phrases there.
package moderation
