package pubsub

import (
	"context"

	"github.com/aftercart/aftercart/ent"
)

// Message is one notification.
type Message struct {
	// Topic names what changed, e.g. "order:42".
	Topic string `json:"t"`
	// ID is the change-log row that was written, e.g. a ShipmentChange id.
	ID int `json:"i"`
}

// Handler receives notifications. Its methods are called from the broker's
// delivery goroutine: they must not block (hand work to another goroutine).
type Handler interface {
	// Notify delivers a message published by a committed transaction.
	Notify(Message)
	// Resync says notifications may have been lost (the Postgres listener
	// reconnected, or the in-process queue overflowed): re-read everything
	// after the last cursor.
	Resync()
}

// Broker publishes after commit and delivers to handlers.
type Broker interface {
	// Publish arranges for m to reach every handler (on every instance) if
	// and only if tx commits. It must be called inside tx.
	Publish(ctx context.Context, tx *ent.Tx, m Message) error
	// Listen registers h until stop is called. Registrations are
	// independent: the same h registered twice is called twice. stop is
	// idempotent and may be called from any goroutine, including from
	// inside h; a delivery racing with it may still reach h once, none
	// after that.
	Listen(h Handler) (stop func())
	// Close stops delivery and releases resources. It waits for a handler
	// call in progress, so it must not be called from inside a handler.
	// Publish fails after Close.
	Close() error
}
