package notify

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/hook"
)

// onOrder hooks fn into c's order mutations of op: fn runs after the
// mutation, in its transaction, with the saved order, and its error fails
// the mutation. A mutation outside a transaction (a test's fixture
// through the bare client) is left alone: the outbox writes only in the
// transaction of its cause, and there is none to write in.
func onOrder(c *ent.Client, op ent.Op, fn func(ctx context.Context, tx *ent.Tx, m *ent.OrderMutation, o *ent.Order) error) {
	c.Order.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.OrderFunc(func(ctx context.Context, m *ent.OrderMutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			o, ok := v.(*ent.Order)
			tx := ent.TxFromContext(ctx)
			if !ok || tx == nil {
				return v, nil
			}
			if err := fn(ctx, tx, m, o); err != nil {
				return nil, err
			}
			return v, nil
		})
	}, op))
}
