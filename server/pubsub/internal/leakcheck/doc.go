// Package leakcheck finds goroutines the pubsub brokers left behind.
//
// go.uber.org/goleak is not a dependency, and counting goroutines is unreliable
// next to database pools that start and stop their own. So this looks only at
// goroutines that run, or were started by, broker code or lib/pq's Listener:
// after Close there must be none.
package leakcheck
