package notify

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messageevent"
	"github.com/aftercart/aftercart/server/auth"
)

// registerConversions hooks order creation: an order placed within
// Rules.ConversionWindow after the customer clicked a link of a message
// converts that message (a CONVERTED event naming the order), in the
// order's own transaction, so an import that rolls back converts nothing
// and a replayed import converts nothing new (the event is unique per
// message and order).
//
// Attribution is last click: of the customer's messages clicked in the
// window before the order was placed, the one clicked last converts, so a
// journey and a campaign never both count one order.
func (s *Service) registerConversions(c *ent.Client) {
	onOrder(c, ent.OpCreate, func(ctx context.Context, tx *ent.Tx, _ *ent.OrderMutation, o *ent.Order) error {
		return s.convert(auth.WithSystem(ctx), tx, o)
	})
}

// convert records order o as the conversion of its customer's last
// clicked message, if one was clicked in the window before it.
func (s *Service) convert(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	click, err := tx.MessageEvent.Query().Where(messageevent.TypeEQ(messageevent.TypeCLICKED),
		messageevent.AtLTE(o.PlacedAt), messageevent.AtGTE(o.PlacedAt.Add(-s.rules.ConversionWindow)),
		messageevent.HasMessageWith(message.CustomerID(o.CustomerID))).
		Order(ent.Desc(messageevent.FieldAt), ent.Desc(messageevent.FieldID)).First(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil
	case err != nil:
		return err
	}
	return tx.MessageEvent.Create().SetMessageID(click.MessageID).SetType(messageevent.TypeCONVERTED).
		SetAt(s.now()).SetOrderID(o.ID).
		OnConflictColumns(messageevent.FieldMessageID, messageevent.FieldType, messageevent.FieldOrderID).DoNothing().Exec(ctx)
}
