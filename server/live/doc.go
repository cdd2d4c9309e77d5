// Package live streams an order's shipment changes to subscribers as they
// commit, and replays what a reconnecting subscriber missed.
//
// The stream is the ShipmentChange change log read in id order, which within
// an order is commit order (see ent/schema/shipmentchange.go). Notifications
// from pubsub only say "order O has changes": one hub per order with
// subscribers on this instance reads the new rows once and pushes them.
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
// repeated, and a slow reader never delays the others. A resync after lost
// notifications is just another read.
//
// Every push re-checks that the viewer may see the order with a token that
// has not expired, and a stream ends at its token's expiry with an
// UNAUTHENTICATED error, never a complete, which a client would take for
// "no more updates"; the client resumes with a fresh token and its last
// cursor. Expiry is timed by the Feed's clock, which tests replace.
//
// An Observer (WithObserver) is told of every read, resync and send, for
// metrics, without the feed knowing what records them.
package live
