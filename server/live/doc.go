// Package live is the stream engine behind every GraphQL subscription that
// follows a change log: it streams changes to subscribers as they commit,
// and replays what a reconnecting subscriber missed. It knows nothing of
// shipments, reviews or posts.
//
// A feed is a Source next to the concept it streams (tracking's shipment
// feed: server/tracking/feed.go), registered on the one Engine under a
// namespace: its topics are "<namespace>:<key>" ("order:42"). A Source
// authorizes a viewer for a key, reads the key's changes after a position
// (a bounded page) and tells its latest position. A new feed costs a
// change-log table, a Source and a three-line resolver; the engine does the
// rest, for every feed alike, on one broker registration.
//
// # How changes reach subscribers
//
// Writers publish a pubsub notification for the topic (ids only) in the
// transaction that writes the change. One hub per followed topic on this
// instance reads the new changes once and pushes them. After lost
// notifications (the Postgres listener reconnected) every hub re-reads from
// its last position: a resync is just another read.
//
// Delivery is by push, with no goroutine per subscriber: each subscription
// is a Target (wsproto.Push) that the hub writes to. Subscribers whose
// Target.Key is equal (same viewer, query and variables, the resume cursor
// aside) form a group that keeps one render function, the first member's,
// and share one render per change: a change followed by 10,000 phones is
// executed once and written 10,000 times.
//
// A subscriber that resumes from a cursor, or whose connection falls behind
// (Target.Backlogged), is not pushed to: it reads the log itself from its
// cursor, paced by its connection, and rejoins the hub's pushes once it has
// caught up. Memory per subscriber stays bounded, nothing is lost or
// repeated, and a slow reader never delays the others.
//
// Authorization is the Source's: Authorize at subscribe time, and a Filter
// per change when a change's own state decides who sees it. Every push also
// re-checks the viewer's token, and a stream ends at its token's expiry with
// an UNAUTHENTICATED error, never a complete, which a client would take for
// "no more updates"; the client resumes with a fresh token and its last
// cursor. Expiry is timed by the Engine's clock, which tests replace.
//
// An Observer (WithObserver) is told of every read, resync and send, for
// metrics, without the engine knowing what records them.
//
// # The commit-order contract
//
// Within a topic, a source's positions must increase in commit order: a
// change that commits after another must get a higher position. The engine
// resumes a subscriber by reading "everything after the last position it
// saw"; if a change with a lower position commits after that one was seen,
// no read will ever return it to that subscriber, and nothing reports the
// loss. Ids from a database sequence do not give this by themselves:
// Postgres hands out an id when a row is inserted, not when its transaction
// commits, so two concurrent writers can commit ids 11 and then 10.
//
// A source gets commit order by making the writers of one topic take
// turns, from before they insert the change row until they commit:
//
//   - A lock on a parent row that every writer already takes. Shipments:
//     every transaction that writes a ShipmentChange first locks its order's
//     row (SELECT ... FOR UPDATE in tracking; see
//     ent/schema/shipmentchange.go), so an order's change ids follow its
//     commits. A review's replies can do the same with the review's row,
//     and a customer's loyalty changes with the customer's balance row,
//     when every writer of those logs locks it.
//   - LockTopic, a transaction-scoped lock on the topic itself, for logs
//     with no such parent or whose writers do not all lock it: the posts
//     of a community topic, the moderation queue. Take it before
//     inserting the change row.
//
// On SQLite every write transaction begins IMMEDIATE (server/db), so
// writers take turns on the whole database and both hold trivially; the
// difference shows only on Postgres. A change that belongs to several
// topics (a post in a topic and in "all topics") writes one change row per
// topic, each under that topic's turn.
//
// Each feed proves its order with livetest.CommitOrder on Postgres:
// concurrent writers on one topic, subscribers resuming from random
// cursors, each ending with every change exactly once, in order.
package live
