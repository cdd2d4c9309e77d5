// Package pubsub carries change notifications from the transaction that made
// a change to every interested subscriber, on this server instance and on the
// others sharing the database.
//
// A notification says only that something changed (a topic and the id of a
// change-log row); the change itself is read from the database. That keeps
// payloads tiny (Postgres NOTIFY allows < 8,000 bytes), lets a subscriber
// re-check authorization on what it reads, and makes lost notifications
// recoverable: after a Resync, listeners re-read from their last cursor.
//
// Delivery is at most once per handler and may be lost, but never silently:
// a broker that could not deliver (a full queue, a reconnected listener)
// calls Resync. Messages from one transaction arrive in the order they were
// published, and those of transactions committed one after the other in
// commit order; concurrent commits may arrive in either order, which a
// listener reading by cursor does not mind.
//
// Implementations: inmem (one process; the embedded SQLite default) and
// pgnotify (Postgres LISTEN/NOTIFY; several instances).
package pubsub
