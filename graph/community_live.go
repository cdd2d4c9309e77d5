package graph

import (
	"context"

	"github.com/aftercart/aftercart/graph/wsproto"
	"github.com/aftercart/aftercart/server/errs"
)

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
