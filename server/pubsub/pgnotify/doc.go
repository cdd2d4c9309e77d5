// Package pgnotify is the pubsub.Broker for several server instances sharing
// one PostgreSQL database, built on LISTEN/NOTIFY.
//
// Publish runs pg_notify inside the publishing transaction, so Postgres
// itself delivers the message only if and when that transaction commits, and
// in commit order, to every instance, including the publishing one. Each
// Broker holds one dedicated listening connection (a lib/pq Listener),
// however many handlers it serves, and one goroutine that decodes
// notifications and hands them to the handlers.
//
// Notifications are not queued anywhere while the listening connection is
// down: those sent meanwhile are lost. The Listener reconnects by itself, and
// the Broker then calls Resync on every handler so it re-reads from its
// cursor; that makes the loss harmless, since a message only says where to
// look in the database.
package pgnotify
