// Package fanout is the handler registry the pubsub brokers share: Listen,
// stop and delivery to every registered handler, with the guarantees the
// pubsub.Broker documentation promises, written once.
package fanout
