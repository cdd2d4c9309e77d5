package notify

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/itemreturn"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/server/auth"
)

// JourneyReplenishment is the replenishment reminder for consumables
// (issue 13: "remind consumable buyers when they are about to run out").
const JourneyReplenishment = "replenishment"

// DefaultReplenishLeadDays is the replenishment journey's default
// delayDays: the reminder goes out this many days before the customer
// runs out, time enough to order and receive a parcel.
const DefaultReplenishLeadDays = 5

// Replenishment is what REPLENISHMENT templates can use.
type Replenishment struct {
	// Marketing: the reminder is a marketing message (consent, the weekly
	// cap and quiet hours apply), with its unsubscribe link.
	Marketing
	// StoreName is the store's name (-store-name).
	StoreName string
	// FirstName is the customer's first name, or "there".
	FirstName string
	// OrderNumber is the order the product was bought with.
	OrderNumber string
	// DeliveredOn is the order's delivery date, e.g. "6 March 2026".
	DeliveredOn string
	// Product is the product bought, with the quantity of the line.
	Product Item
	// RunsOutOn is when the quantity bought runs out (delivery plus the
	// reorder interval times the quantity), e.g. "10 April 2026".
	RunsOutOn string
	// ReorderURL is the order's page with ?reorder=<sku>, where the store
	// offers the same product again.
	ReorderURL string
	// Complements are the products staff set as going with this one
	// (server/catalog), by name; empty when there are none.
	Complements []Item
}

// replenishmentSample is REPLENISHMENT's sample.
var replenishmentSample = Replenishment{Marketing: marketingSample, StoreName: "Sample Store", FirstName: "Mina",
	OrderNumber: "AC-1001", DeliveredOn: "6 March 2026",
	Product:   Item{Name: "Coffee beans 1 kg", ImageURL: "https://img.example.com/beans.jpg", Quantity: 2},
	RunsOutOn: "5 April 2026", ReorderURL: "https://shop.example.com/orders/AC-1001?reorder=BEANS-1KG",
	Complements: []Item{{Name: "Burr grinder", ImageURL: "https://img.example.com/grinder.jpg", Quantity: 1}}}

func init() {
	registerJourney(journeySpec{name: JourneyReplenishment,
		description: "A reminder, per delivered order line whose product has a reorder interval, delayDays before the quantity " +
			"bought runs out (delivery + interval × quantity − delayDays), suggesting the same product and its complements; " +
			"skipped when the customer ordered the product again since, or the order was canceled or the line returned. " +
			"Marketing: it needs consent, counts toward the weekly cap and waits out quiet hours.",
		kinds:    []message.Kind{message.KindREPLENISHMENT},
		defaults: JourneySettings{Enabled: true, DelayDays: intp(DefaultReplenishLeadDays)}})
	registerKind(message.KindREPLENISHMENT, kindSpec{sample: replenishmentSample,
		vars: func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
			return s.replenishment(ctx, c, m)
		},
		check: func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
			return s.replenishCheck(ctx, tx.Client(), m)
		}})
}

// replenishKey is the dedupe key of order line itemID's reminder. The key
// names the line (not the order), because there is one reminder per line;
// the kind's vars and check read the line back from it (a message links
// an order and a customer, not a line).
func replenishKey(itemID int) string { return fmt.Sprintf("orderitem:%d:replenishment:EMAIL", itemID) }

// replenishItem is the order line named by a replenishment key.
func replenishItem(key string) (int, error) {
	var id int
	if _, err := fmt.Sscanf(key, "orderitem:%d:replenishment:", &id); err != nil {
		return 0, fmt.Errorf("notify: replenishment key %q: %w", key, err)
	}
	return id, nil
}

// replenishDue is when the reminder of a line is due: delivered plus
// intervalDays × quantity (when the quantity bought runs out) less
// leadDays, never before the delivery (a lead time longer than what was
// bought reminds at once, not in the past).
func replenishDue(delivered time.Time, intervalDays, quantity, leadDays int) (due, runsOut time.Time) {
	runsOut = delivered.Add(time.Duration(intervalDays*quantity) * 24 * time.Hour)
	due = runsOut.Add(-time.Duration(leadDays) * 24 * time.Hour)
	if due.Before(delivered) {
		due = delivered
	}
	return due, runsOut
}

// replenishOnDelivery queues, for delivered order o, one reminder per line
// whose product has a reorder interval, each due at replenishDue. Keys
// name the line, so a delivery recorded again queues nothing new.
func (s *Service) replenishOnDelivery(ctx context.Context, tx *ent.Tx, o *ent.Order, items []*ent.OrderItem, cu *ent.Customer) error {
	var set *JourneySettings
	for _, it := range items {
		p := it.Edges.Product
		if p == nil || p.ReorderIntervalDays == nil {
			continue
		}
		if set == nil {
			js, err := s.journeySettings(ctx, tx.Client(), JourneyReplenishment)
			if err != nil {
				return err
			}
			set = &js
		}
		due, _ := replenishDue(*o.DeliveredAt, *p.ReorderIntervalDays, it.Quantity, *set.DelayDays)
		msg := Msg{Kind: message.KindREPLENISHMENT, Channel: message.ChannelEMAIL, DedupeKey: replenishKey(it.ID),
			Recipient: cu.Email, CustomerID: &cu.ID, OrderID: &o.ID, Journey: JourneyReplenishment, Marketing: true, DueAt: due}
		if o.CanceledAt != nil {
			msg.Skip = "the order was canceled"
		}
		if err := s.queueJourney(ctx, tx, *set, msg); err != nil {
			return err
		}
	}
	return nil
}

// replenishCheck decides, when a reminder is due, whether it is still
// wanted: not for a canceled order or a returned line, not when the
// product lost its reorder interval, and not when the customer ordered
// the product again since (a later order that was not canceled).
func (s *Service) replenishCheck(ctx context.Context, c *ent.Client, m *ent.Message) (string, error) {
	ctx = auth.WithSystem(ctx)
	id, err := replenishItem(m.DedupeKey)
	if err != nil {
		return "", err
	}
	it, err := c.OrderItem.Query().Where(orderitem.ID(id)).WithOrder().WithProduct().Only(ctx)
	if err != nil {
		return "", err
	}
	o, p := it.Edges.Order, it.Edges.Product
	if o.CanceledAt != nil {
		return "the order was canceled", nil
	}
	returned, err := c.ItemReturn.Query().Where(itemreturn.OrderItemID(it.ID)).Exist(ctx)
	if err != nil {
		return "", err
	}
	if returned {
		return "the item was returned", nil
	}
	if p.ReorderIntervalDays == nil {
		return "the product has no reorder interval any more", nil
	}
	again, err := c.OrderItem.Query().Where(orderitem.ProductID(p.ID), orderitem.HasOrderWith(
		order.CustomerID(o.CustomerID), order.IDNEQ(o.ID), order.PlacedAtGT(o.PlacedAt), order.CanceledAtIsNil())).Exist(ctx)
	if err != nil {
		return "", err
	}
	if again {
		return "the customer ordered the product again since", nil
	}
	return "", nil
}

// replenishment reads m's variables through c (as the system).
func (s *Service) replenishment(ctx context.Context, c *ent.Client, m *ent.Message) (Replenishment, error) {
	ctx = auth.WithSystem(ctx)
	id, err := replenishItem(m.DedupeKey)
	if err != nil {
		return Replenishment{}, err
	}
	it, err := c.OrderItem.Query().Where(orderitem.ID(id)).WithOrder(func(q *ent.OrderQuery) { q.WithCustomer() }).
		WithProduct(func(q *ent.ProductQuery) {
			q.WithComplements(func(q *ent.ProductQuery) { q.Order(ent.Asc(product.FieldName), ent.Asc(product.FieldID)) })
		}).Only(ctx)
	if err != nil {
		return Replenishment{}, err
	}
	o, p := it.Edges.Order, it.Edges.Product
	reorder := strings.ReplaceAll(*s.orderURL.Load(), "{number}", url.PathEscape(o.Number))
	sep := "?"
	if strings.Contains(reorder, "?") {
		sep = "&"
	}
	v := Replenishment{StoreName: s.cfg.StoreName, FirstName: firstName(o.Edges.Customer), OrderNumber: o.Number,
		Product: itemOf(it, it.Quantity), ReorderURL: reorder + sep + "reorder=" + url.QueryEscape(p.Sku)}
	if o.DeliveredAt != nil {
		v.DeliveredOn = s.dateFor(o.Edges.Customer, *o.DeliveredAt)
		if p.ReorderIntervalDays != nil {
			_, out := replenishDue(*o.DeliveredAt, *p.ReorderIntervalDays, it.Quantity, 0)
			v.RunsOutOn = s.dateFor(o.Edges.Customer, out)
		}
	}
	for _, cp := range p.Edges.Complements {
		item := Item{Name: cp.Name, Quantity: 1}
		if cp.ImageURL != nil {
			item.ImageURL = *cp.ImageURL
		}
		v.Complements = append(v.Complements, item)
	}
	return v, nil
}

// registerAfterPurchase hooks the replenishment and content journeys into
// c: the order update that records its delivery (orders.Refresh, in
// tracking's transaction) queues both, each waiting for its time.
func (s *Service) registerAfterPurchase(c *ent.Client) {
	onOrder(c, ent.OpUpdateOne, func(ctx context.Context, tx *ent.Tx, m *ent.OrderMutation, o *ent.Order) error {
		if _, touched := m.DeliveredAt(); !touched || o.DeliveredAt == nil {
			return nil
		}
		ctx = auth.WithSystem(ctx)
		items, err := orderItemsWithProducts(ctx, tx.Client(), o.ID)
		if err != nil {
			return err
		}
		cu, err := tx.Customer.Get(ctx, o.CustomerID)
		if err != nil {
			return err
		}
		if err := s.replenishOnDelivery(ctx, tx, o, items, cu); err != nil {
			return err
		}
		return s.contentOnDelivery(ctx, tx, o, items, cu)
	})
}
