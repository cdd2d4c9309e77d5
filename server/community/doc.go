// Package community is the store's community of buyers (issue 11): topics
// that staff manage, posts with photos, videos and product tags, comments,
// reactions, weighted flags, trust and silence, all moderated by the
// moderation core (server/moderation) beside reviews, and streamed live on
// the engine (server/live).
//
// This file is the data model of the whole issue; the first slice
// implemented topics, posts, the trust rule and watched words on posts, and
// posts in the moderation queue; the second comments, reactions, weighted
// flags, CENSOR, silence and the queue's filters. The live feeds are
// marked "(next slice)": their tables are migrated already.
//
// # Topics
//
// Topic: a unique slug (lower-case letters, digits, single hyphens; the
// API names topics by slug), a name, a description and a position that
// staff set (createTopic, updateTopic, reorderTopics; topics lists them by
// position, then id). Topics are public.
//
// # Posts
//
// Post: its topic, its author (customer_id; others see author_name, the
// display name fixed when written), body, status (the core's PENDING,
// PUBLISHED, REJECTED, HIDDEN, with status_reason), edited_at, and
// published_at: when it was first published, at once or on approval. The
// feed orders by published_at, so a post approved an hour after it was
// written enters the feed at the top, where postAdded announces it; it is
// set once and never cleared, which also makes it the loyalty issue's
// earning moment (points for an approved post, keyed by the post's id,
// exactly once; issue 12 reverses them when a staff decision removes the
// post or its author deletes it, both of which the moderation trail and
// the delete record).
//
// Media: Media.post_id + Media.position, beside Media.review_id. One owner
// per media row holds because media.Attach refuses media already attached
// (a guarded UPDATE on attached_at), so no row ever gets both. Up to
// MaxMedia per post, the author's own fresh uploads only. Media on a post
// is seen exactly as the post is (rule.ScopeMedia).
//
// Product tags: PostProduct (post, product, position, verified_buyer,
// order_item_id), unique per post and product. A tag is verified when the
// author has an order line of that product in a delivered shipment (the
// reviews rule); Post.verified_buyer says whether any tag is.
//
// Censored rendering: censored_body holds the body with CENSOR watched
// words masked (moderation.Matcher.Censor: one "*" per character of each
// matched word, written with the body, null when nothing is censored);
// Body gives it to every viewer but the author and staff, so no field ever
// carries the unmasked text to them. Comments have the same pair, and so
// do reviews, for their title and body (server/reviews). A CENSOR word
// staff add later masks what is written from then on, like every watched
// word.
//
// Counts on the row, written under the post's row lock by the
// transactions that change them, so a page of posts needs no query per
// post: comment_count (PUBLISHED comments on the post whose thread is
// visible, what every viewer counts; a customer also counts their own
// unpublished comments, loaded for a whole page of posts in one statement
// by ent's eager loading, not one per post, or with one count for a post
// read alone), like_count,
// love_count and helpful_count (the fixed reaction set, types.ReactionKind;
// a reaction is visible whenever its post is, so the counters are the same
// for every viewer who sees the post), flag_score and flagged_at (below).
//
// Who sees a post: ent/schema/rule.ScopePosts. PUBLISHED posts reach
// everyone; any other status only the author and staff, on every path
// (posts, myPosts, node, nodes, totalCount, media, tags), because the rule
// runs inside ent.
//
// # Comments, reactions, flags
//
// Comment: post, optional parent (a top-level comment of the same post:
// one level of replies, checked when writing), author, body,
// censored_body, status, flag_score, flagged_at, edited_at. Published at
// once or held by the trust rule and watched words exactly as posts are.
// Seen when it, its post and, for a reply, its comment are
// (rule.ScopeComments): a comment on a hidden post is hidden with it, a
// reply with its comment, and comment_count counts the same way (a
// status change moves it by what the comment and its replies add or
// take away). Commenting on a post one may not see is NOT_FOUND; on
// one's own post that is not published, CONFLICT. Post.comments lists
// top-level comments oldest first, each with its replies (one statement
// for the page's replies). Deleting a top-level comment deletes its
// replies, whoever wrote them (a thread goes with its first comment, as
// nothing would be left for them to answer; the foreign key cascades
// since migration comment_replies_cascade, and the service deletes them
// itself so SQLite files created before keep the count right). Every
// status change of a comment goes through commentKind.SetStatus (staff
// decisions, flag auto-hides) or comments.go (the author's writes).
//
// Reaction: post, customer, kind; unique per post, customer and kind (the
// database refuses the second: CONFLICT). "Most reacted in the last 7
// days" (posts(sort: TOP_WEEK), feed_top.go) counts reactions by
// created_at (index created_at, post_id), made by the app's clock, in one
// bounded statement per page.
//
// Flag: item (review, post or comment, by global id, no foreign key: the
// record outlives the item), the item's author, the flagger, reason (SPAM,
// OFFENSIVE, OFF_TOPIC, OTHER + note), weight and outcome (OPEN, UPHELD,
// REJECTED). Once per item per customer (unique index), never on one's own
// content. The weight is fixed at flag time from the flagger's record,
// derived from their settled flags (index customer_id, outcome: upheld u,
// rejected r): weight = 2 * (u + 1) / (u + r + 2), the smoothed share of
// their flags staff agreed with, 1 for a newcomer, towards 2 for a
// reliable flagger and towards 0 for one whose flags staff keep clearing.
// An item's flag_score is the sum of its OPEN flags' weights; when it
// passes the threshold (3: three newcomers, or two reliable flaggers) the
// item is hidden at once (HIDDEN, flagged_at set, an "auto" decision in
// the trail) and waits in the queue. Staff uphold (REJECT, or keep it
// hidden) or clear it (RESTORE); either settles its OPEN flags, which
// adjusts the flaggers' records for their next flags. Reviews are flagged
// the same way; their score is summed from the flags table under the
// review's row lock, since the review row carries no score.
//
// The threshold is Config.FlagThreshold (default 3; the server's
// -flag-threshold, AFTERCART_FLAG_THRESHOLD). Only PUBLISHED items
// can be flagged (nobody else sees the others). An item is in the queue
// (reason FLAGGED) while it is HIDDEN with OPEN flags; any staff decision
// settles them in the moderation core: REJECT, or HIDE on the hidden item
// (which keeps it hidden), upholds them; RESTORE or APPROVE rejects them.
// A flag's item and author stay recorded if the author deletes the item;
// its flags then stay OPEN and never count in anyone's record. Silenced
// customers cannot flag: a silenced troll must not hide others' content.
//
// # Trust and silence
//
// Trust decides what publishes at once (Trusted, a pure function):
//
//   - staff override on the customer (Customer.community_trust):
//     TRUSTED publishes at once, RESTRICTED always waits;
//   - otherwise (AUTO): a customer with a delivered order (a shipment of
//     one of their orders the carrier reported DELIVERED), or one with
//     earlier posts staff approved, publishes at once; a new customer's
//     first posts wait for approval;
//   - but a customer whose posts and comments staff removed (REJECT, HIDE)
//     more often than they approved their posts (APPROVE, RESTORE) waits
//     again, delivered order or not, until approvals catch up.
//
// The counts come from the moderation trail (one grouped statement on
// moderation_decisions by author), not from counters, so they cannot
// drift and survive the author deleting the posts. Watched words apply on
// top: BLOCK refuses the write, REQUIRE_APPROVAL holds even a trusted
// author's post, FLAG records the match for staff (Post.watchedWords),
// as for reviews.
//
// Silence: Customer.silenced_until, silence_reason, silenced_by, set by
// staff (silenceAuthor, unsilenceAuthor), each recorded in the moderation
// trail in the same transaction (SILENCE with until and reason, UNSILENCE
// with an optional reason; moderation.RecordAuthor). A silenced customer's posts,
// edits, comments, reactions and flags are FORBIDDEN, with the end and the
// reason in the message; it ends by itself when the clock passes
// silenced_until. Customer.silencedUntil and silenceReason are on the
// GraphQL type, which only staff and the customer see.
//
// # Live feeds (next slice), in the engine's terms
//
// Each feed is a change log whose ids are its cursors, kept in commit
// order within a topic of the engine (server/live, "The commit-order
// contract"):
//
//   - posts per community topic: PostChange (topic_id, post_id, kind
//     ADDED/UPDATED/REMOVED as other viewers see it). A change belongs to
//     two streams, its topic's and all topics' (topic_id 0), and writes a
//     row in each, each under live.LockTopic of that stream, taken in a
//     fixed order (all topics first) so writers never deadlock; publishing,
//     approving, restoring write ADDED, editing a visible post UPDATED,
//     hiding, rejecting, re-holding or deleting one REMOVED. postAdded
//     streams ADDED; open pages follow postChanged on the same log, whose
//     REMOVED carries only the id, so a page drops a hidden post without
//     ever receiving its content.
//   - comments per post: CommentChange, written by the comment's
//     transaction, which holds the post's row lock (as review replies hold
//     the review's), so a post's change ids follow its commits; public
//     records whether other viewers may see it, fixed when written.
//   - a page and its feed: posts and Post.comments carry feedCursor, the
//     position of their change log read before the page's rows (see
//     feed_cursor.go), which postAdded and postChanged (same topic), or
//     commentAdded, accept as after: nothing committed after the read is
//     missed, and what commits between the position and the rows arrives
//     twice (clients merge by id).
//   - the moderation queue: ModerationQueueChange (item ENTERED or LEFT),
//     one stream, under live.LockTopic of it: the items' own row locks do
//     not serialize different items.
//
// # Limits
//
// Posting (creating and editing posts), commenting (adding and editing),
// reacting (both ways) and flagging are rate-limited per customer
// (server/ratelimit, Limits), on top of the query cost budget.
package community
