// Package brokertest is the behaviour every pubsub.Broker must have, as a
// test suite each implementation runs against a real database, plus the
// helpers the implementations' own tests share.
package brokertest
