// Package wsproto makes gqlgen's websocket transport speak the
// graphql-transport-ws protocol (graphql-ws PROTOCOL.md) the way the
// official graphql-ws clients expect, without forking gqlgen.
//
// gqlgen's transport.Websocket has the right machinery but not the right
// protocol behaviour: a duplicate subscription id overwrites its map entry
// (the first subscription keeps streaming and can never be stopped), a
// missing connection_init closes with 1002 instead of 4408, and
// subscribe-before-ack, a second connection_init and unknown messages close
// with 1002 or 1000. The official client treats those codes differently
// from the protocol's 44xx codes (1002 is fatal, 1000 with active
// subscriptions means "retry"), so the codes matter.
//
// Guard plugs into transport.Websocket as its Implementation. It wraps the
// real websocket connection, reads every client message before gqlgen
// does, and closes with the protocol's code before gqlgen sees an
// offending message. Only the first close reaches the wire, so gqlgen's own
// close that follows is dropped:
//
//	4400  invalid JSON, missing or unknown type, subscribe/complete without id,
//	      connection_init, ping or pong with a non-object payload
//	4401  subscribe before connection_ack
//	4406  a subprotocol other than graphql-transport-ws was negotiated
//	4408  no connection_init within Guard.InitTimeout
//	4409  subscribe with an id that is still active
//	4429  a second connection_init
//
// 4403 for a rejected connection_init comes from gqlgen itself, when the
// InitFunc returns Forbidden(ctx) with its error.
//
// gqlgen never sees the client's operation ids: the guard hands it a
// per-connection counter instead and maps ids back on the way out. gqlgen
// cleans up a finished operation by id after writing its "complete", so a
// client that reuses an id right after completing it would otherwise get an
// operation that can no longer be stopped. Messages gqlgen writes about an
// operation the client already completed, and a "complete" after an
// "error", are dropped, as PROTOCOL.md requires.
//
// It also caps the subscriptions of one connection (Guard.MaxSubscriptions):
// the subscribe over the cap gets an "error" message with extensions.code
// THROTTLED and the connection stays up.
//
// Wiring:
//
//	srv.AddTransport(transport.Websocket{
//		Implementation: wsproto.Guard{
//			Inner: transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{
//				OriginPatterns: allowedOrigins,
//			}},
//			InitTimeout:      3 * time.Second,
//			MaxSubscriptions: 100,
//			Log:              log,
//		},
//		// Larger than the guard's, so the guard's 4408 goes out first;
//		// gqlgen's own timeout would close with 1002.
//		InitTimeout:      10 * time.Second,
//		PingPongInterval: 15 * time.Second,
//		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
//			if !valid(p) {
//				return wsproto.Forbidden(ctx), nil, errors.New("forbidden")
//			}
//			return ctx, nil, nil
//		},
//	})
//
// Only the graphql-transport-ws subprotocol is accepted: an upgrade that does
// not offer it (the legacy subscriptions-transport-ws "graphql-ws", or no
// subprotocol at all, which gqlgen would also treat as legacy) is refused
// with HTTP 400 before the upgrade. The legacy protocol has the same
// duplicate-id leak in gqlgen, the guard does not police it, and no client
// of this project speaks it.
package wsproto
