// Package inmem is the pubsub.Broker for a single server process, which is
// what the embedded SQLite default runs: a message is handed to this
// process's handlers once its transaction has committed.
//
// Publish registers an ent commit hook, so a rolled-back transaction, or one
// whose commit fails, delivers nothing. Delivery runs on one goroutine fed by
// a bounded queue, so neither the publisher nor the committing goroutine ever
// waits for a handler. When handlers fall so far behind that the queue is
// full, further messages are not queued; once the backlog is delivered every
// handler gets Resync instead, which is lossless because the change itself is
// in the database and listeners re-read from their cursor.
package inmem
