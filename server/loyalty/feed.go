package loyalty

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltychange"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/pubsub"
)

// Namespace is the loyaltyUpdated feed's topic namespace: a customer's
// changes are "loyalty:<customer id>". It is the wire format between
// instances.
const Namespace = "loyalty"

// cursors encodes LoyaltyChange ids for clients.
const cursors live.Cursors = "lc"

// Topic is the pubsub topic of a customer's loyalty changes.
func Topic(customerID int) string { return live.Topic(Namespace, customerID) }

// changed records a change of the customer's balances or tier for
// loyaltyUpdated, under the account lock the caller holds (so a
// customer's change ids follow commit order, as server/live requires),
// and announces it on commit when the caller's transaction is in ctx
// (every writer runs in db.WithTx, which puts it there).
func (s *Service) changed(ctx context.Context, c *ent.Client, customerID int) error {
	row, err := c.LoyaltyChange.Create().SetCustomerID(customerID).SetCreatedAt(s.now()).Save(ctx)
	if err != nil {
		return err
	}
	tx := ent.TxFromContext(ctx)
	if s.cfg.Broker == nil || tx == nil {
		return nil
	}
	return s.cfg.Broker.Publish(ctx, tx, pubsub.Message{Topic: Topic(customerID), ID: row.ID})
}

// Update is one change of a customer's standing as streamed (GraphQL
// LoyaltyUpdate): the standing as it is when sent.
type Update struct {
	// Cursor identifies the change; pass it as `after` to resume after it.
	Cursor string
	*Standing
}

// Feed streams customers' loyalty changes (loyaltyUpdated), keyed by
// customer id.
type Feed struct {
	f *live.Feed[int, *Update]
	s *Service
}

// NewFeed registers the loyaltyUpdated feed on e.
//
// Commit order (the engine's contract): every writer of a customer's
// LoyaltyChange rows holds the customer's account row lock (lockAccount,
// SELECT … FOR UPDATE on Postgres; SQLite serializes writers), so the
// customer's change ids increase in commit order.
func NewFeed(e *live.Engine, s *Service) *Feed {
	return &Feed{s: s, f: live.NewFeed(e, live.Config[int, *Update]{
		Namespace: Namespace,
		Cursors:   cursors,
		Source:    source{s: s},
	})}
}

// Subscribe streams the standing of customerID (nil: the signed-in
// customer) as it changes (see live.Feed.Subscribe).
func (f *Feed) Subscribe(ctx context.Context, customerID *int, after *string, t live.Target, cursorVariable string) (<-chan *Update, error) {
	id := 0
	if customerID != nil {
		id = *customerID
	} else if v, ok := auth.FromContext(ctx); ok && v.IsCustomer() {
		id = v.CustomerID
	} else if ok {
		return nil, errs.Invalid("customerId", "staff name the customer to follow")
	}
	return f.f.Subscribe(ctx, id, after, t, cursorVariable)
}

// Feed is the underlying live feed (for tests that drive the engine).
func (f *Feed) Feed() *live.Feed[int, *Update] { return f.f }

// source is the feed's live.Source: a customer's LoyaltyChange rows.
type source struct{ s *Service }

// Authorize lets the customer follow their own standing and staff anyone's;
// another customer's looks missing (NOT_FOUND).
func (src source) Authorize(ctx context.Context, customerID int) (live.Filter[*Update], error) {
	if err := mayRead(ctx, customerID); err != nil {
		return nil, err
	}
	if customerID == 0 {
		return nil, errs.Errorf(errs.NotFound, "no customer has this token's email yet")
	}
	return nil, nil
}

// Read returns up to limit changes after id, each carrying the customer's
// standing read once for the page (as it is now).
func (src source) Read(ctx context.Context, customerID, after, limit int) ([]live.Change[*Update], error) {
	rows, err := src.s.db.LoyaltyChange.Query().
		Where(loyaltychange.CustomerID(customerID), loyaltychange.IDGT(after)).
		Order(loyaltychange.ByID()).Limit(limit).All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	st, err := src.s.Standing(auth.WithSystem(ctx), customerID)
	if err != nil {
		return nil, err
	}
	out := make([]live.Change[*Update], len(rows))
	for i, r := range rows {
		out[i] = live.Change[*Update]{Position: r.ID, Value: &Update{Cursor: cursors.Encode(r.ID), Standing: st}}
	}
	return out, nil
}

// Latest returns the customer's newest change id (0 if none).
func (src source) Latest(ctx context.Context, customerID int) (int, error) {
	ids, err := src.s.db.LoyaltyChange.Query().Where(loyaltychange.CustomerID(customerID)).
		Order(ent.Desc(loyaltychange.FieldID)).Limit(1).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}
