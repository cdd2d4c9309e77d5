// Package live streams an order's shipment changes to subscribers as they
// commit, and replays what a reconnecting subscriber missed.
//
// The stream is the ShipmentChange change log read in id order, which within
// an order is commit order (see ent/schema/shipmentchange.go). Notifications
// from pubsub only say "order O has changes up to id N": one hub per order
// with subscribers on this instance reads the new rows once and fans them out
// to every subscriber through a bounded buffer. A subscriber whose buffer is
// full stops receiving batches rather than slowing the hub; once it has
// drained its buffer it reads what it missed from the log by cursor and
// rejoins. A resync after lost notifications is just another read.
package live
