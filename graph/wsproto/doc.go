// Package wsproto is aftercart's websocket transport for gqlgen: the
// graphql-transport-ws protocol (graphql-ws PROTOCOL.md), built for many
// long-lived, mostly idle connections.
//
// Why not gqlgen's transport.Websocket: it gets several of the protocol's
// close codes wrong, leaks a subscription whose id is reused, and runs every
// connection on four or five goroutines plus net/http's 8 KB of buffers
// (about 90 KB per idle subscriber here). This transport keeps, per idle
// connection, one reader goroutine that has never run anything deeper than
// a frame read (a 2-4 KB stack), no buffers, and two runtime timers (Transport.Clock's):
//
//   - Reading: the reader goroutine only parses frames (and drops the
//     clients' pongs). Client messages go
//     to a per-connection queue, served in order by a worker goroutine that
//     exists only while the queue is not empty, so the deep stacks of
//     parsing, validation and database reads never stay with the connection.
//   - Writing: a write is first tried without blocking from the caller's
//     goroutine; whatever the socket does not take is queued and written by
//     a flusher goroutine that exists only while the queue is not empty. A
//     caller can ask whether a connection is backlogged and be told when it
//     has drained, so a slow reader never slows anyone else and never makes
//     the server buffer without bound.
//   - Pings: a server "ping" every Transport.PingInterval from a timer; a
//     connection that has sent nothing within Transport.PongTimeout of a
//     ping is closed (1001), so a client that stops reading is dropped
//     within Transport.DropAfter (27 s with the defaults).
//   - Expiry: a socket is authenticated once, by connection_init. When the
//     InitFunc says when the credential expires (WithExpiry), the
//     connection is closed with 4403 "Forbidden: token expired" at that
//     time, and from then on nothing else: a subscribe that arrives after
//     it, or an operation that ends after it, closes the connection the
//     same way. graphql-ws clients retry on 4403 and evaluate
//     connectionParams again, so a client that refreshes its token there
//     reconnects by itself (and resubscribes with its original variables).
//     The timer that waits for connection_init waits for the expiry after
//     it, so an idle connection still has two runtime timers.
//
// Subscriptions run one of two ways. By default, as gqlgen runs them: a
// goroutine per subscription that pulls responses from the executor. Or,
// when the subscription resolver accepts the Push it finds in its context
// (PushFrom), by push: the resolver's service renders each event once for
// every group of subscribers with the same Push.Key, through the Renderer
// of one of them, and writes the bytes to each subscriber (Push.Send).
// Neither a goroutine nor gqlgen's execution state is left per
// subscription.
//
// Close codes, as PROTOCOL.md defines them:
//
//	4400  invalid JSON, missing or unknown type, subscribe/complete without id,
//	      a payload that is not an object where one is required
//	4401  subscribe before connection_ack
//	4403  connection_init rejected by Transport.InitFunc (or the CloseError it
//	      returns); or the credential expired (reason "Forbidden: token expired")
//	4408  no connection_init within Transport.InitTimeout
//	4409  subscribe with an id that is still active
//	4429  a second connection_init
//
// A subscribe over Transport.MaxSubscriptions gets an "error" message with
// extensions.code THROTTLED and the connection stays up. Only the
// graphql-transport-ws subprotocol is accepted: an upgrade that does not
// offer it (the legacy subscriptions-transport-ws "graphql-ws", or none) is
// refused with HTTP 400.
package wsproto
