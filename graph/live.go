package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/aftercart/aftercart/graph/wsproto"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/vektah/gqlparser/v2/ast"
)

// Websocket keepalive (see wsproto.Transport). A client that stops reading
// is dropped within PingInterval + PongTimeout + the transport's close grace
// (wsproto.Transport.DropAfter: 27 s), inside the 30 s the README promises.
const (
	// WSPingInterval is how often the server pings an open websocket.
	WSPingInterval = 15 * time.Second
	// WSPongTimeout is how long a client has to answer a ping.
	WSPongTimeout = 10 * time.Second
)

// argumentVariable returns the name of the variable the current field's
// argument arg is given by ("" when it is a literal or absent). The live
// feed groups subscribers that differ only in their resume cursor.
func argumentVariable(ctx context.Context, arg string) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return ""
	}
	if a := fc.Field.Arguments.ForName(arg); a != nil && a.Value != nil && a.Value.Kind == ast.Variable {
		return a.Value.Raw
	}
	return ""
}

// pushTarget is the subscription's websocket push target: the live feeds
// write to it directly (see server/live). Subscriptions over anything else
// are INVALID_INPUT.
func pushTarget(ctx context.Context) (*wsproto.Push, error) {
	p, ok := wsproto.PushFrom(ctx)
	if !ok {
		return nil, errs.Errorf(errs.InvalidInput, "subscriptions are served over websockets (graphql-transport-ws)")
	}
	return p, nil
}
