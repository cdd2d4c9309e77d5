package notify

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/hook"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/shipmentitem"
	"github.com/aftercart/aftercart/server/auth"
)

// Shipping updates' defaults.
const (
	// DefaultDelayThresholdHours: a slip of a day or less is a carrier's
	// normal wobble; more is news the customer should hear from the store
	// before they have to ask.
	DefaultDelayThresholdHours = 24
	// DefaultStallHours: carriers scan a parcel in transit at least daily;
	// two days without a scan is how the tracking guides define "stuck".
	DefaultStallHours = 48
)

// ShippingUpdate is what SHIPPED, OUT_FOR_DELIVERY and DELIVERED templates
// can use: one shipment of an order.
type ShippingUpdate struct {
	// StoreName is the store's name (-store-name).
	StoreName string
	// FirstName is the customer's first name, or "there".
	FirstName string
	// OrderNumber is the store's order number.
	OrderNumber string
	// Carrier and TrackingNumber identify the parcel.
	Carrier, TrackingNumber string
	// TrackingURL is the carrier's tracking page, else the order's page.
	TrackingURL string
	// OrderURL is the order's page in the store.
	OrderURL string
	// ExpectedDelivery is the carrier's latest estimate, e.g. "6 March
	// 2026"; empty when it gave none.
	ExpectedDelivery string
	// DeliveredOn is the delivery date; empty until delivered.
	DeliveredOn string
	// Items are what is in this parcel.
	Items []Item
}

// shippingSample is the sample of the shipping kinds' variables.
var shippingSample = ShippingUpdate{StoreName: "Sample Store", FirstName: "Mina", OrderNumber: "AC-1001",
	Carrier: "DHL", TrackingNumber: "JD0123456789", TrackingURL: "https://www.dhl.com/track?id=JD0123456789",
	OrderURL: "https://shop.example.com/orders/AC-1001", ExpectedDelivery: "6 March 2026", DeliveredOn: "6 March 2026",
	Items: orderConfirmationSample.Items}

func init() {
	registerJourney(journeySpec{name: JourneyShipping,
		description: "Shipped (with the tracking link), out for delivery and delivered, per parcel; and a delay notice with an apology " +
			"when the carrier reports an exception, moves the estimate by more than delayThresholdHours, or has not scanned the " +
			"parcel for stallHours while in transit.",
		kinds: []message.Kind{message.KindSHIPPED, message.KindOUT_FOR_DELIVERY, message.KindDELIVERED, message.KindDELAY_NOTICE},
		defaults: JourneySettings{Enabled: true, DelayThresholdHours: intp(DefaultDelayThresholdHours),
			StallHours: intp(DefaultStallHours)}})
	vars := func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
		v, _, err := s.shippingUpdate(ctx, c, m)
		return v, err
	}
	// A status message that waited (quiet hours, the gap) is stale once
	// the parcel arrived: "out for delivery" after "delivered" confuses.
	stale := func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
		sh, err := s.messageShipment(ctx, tx.Client(), m)
		if err != nil || sh.Status != types.TrackingDelivered {
			return "", err
		}
		return "the parcel was delivered before this update went out", nil
	}
	registerKind(message.KindSHIPPED, kindSpec{sample: shippingSample, vars: vars, check: stale})
	registerKind(message.KindOUT_FOR_DELIVERY, kindSpec{sample: shippingSample, vars: vars, check: stale})
	registerKind(message.KindDELIVERED, kindSpec{sample: shippingSample, vars: vars})
}

// shipState is what the shipping steps look at in a shipment.
type shipState struct {
	Status          types.TrackingStatus
	FirstETA, ETA   *time.Time
	DeliveredAtTime *time.Time
}

// step is a message a shipment's change calls for: its kind and what
// makes its dedupe key unique after "shipment:<id>:".
type step struct {
	kind message.Kind
	key  string
}

// keyDate is how a date appears in a dedupe key.
const keyDate = "2006-01-02"

// shippingSteps is the rule of the shipping journey: the messages a
// shipment's change from prev (nil: just created) to cur calls for.
//
//   - created, or first seen moving: SHIPPED (with the tracking link);
//   - OUT_FOR_DELIVERY, DELIVERED: their message, when the status becomes
//     it (the newest news only: a batch that jumps to DELIVERED sends
//     DELIVERED, not three messages at once);
//   - EXCEPTION, when it becomes it: a delay notice (once per parcel);
//   - the estimate moved later, and now lies more than threshold past
//     the first estimate: a delay notice keyed by the new date, so a
//     second slip to another date is a new notice and the same date
//     again is not.
//
// Each step's key names the shipment and the step, so a replayed carrier
// webhook (or two instances ingesting it) queues nothing new.
func shippingSteps(prev *shipState, cur shipState, threshold time.Duration) []step {
	var out []step
	became := func(st types.TrackingStatus) bool {
		return cur.Status == st && (prev == nil || prev.Status != st)
	}
	switch {
	case became(types.TrackingDelivered):
		return []step{{message.KindDELIVERED, "delivered"}}
	case cur.Status == types.TrackingDelivered:
		return nil
	case became(types.TrackingOutForDelivery):
		out = append(out, step{message.KindOUT_FOR_DELIVERY, "out_for_delivery"})
	case prev == nil || (!prev.Status.InTransit() && cur.Status.InTransit()):
		out = append(out, step{message.KindSHIPPED, "shipped"})
	}
	if became(types.TrackingException) {
		out = append(out, step{message.KindDELAY_NOTICE, "delay:exception"})
	}
	if cur.ETA != nil && cur.FirstETA != nil && cur.ETA.Sub(*cur.FirstETA) > threshold &&
		(prev == nil || prev.ETA == nil || cur.ETA.After(*prev.ETA)) {
		out = append(out, step{message.KindDELAY_NOTICE, "delay:eta:" + cur.ETA.UTC().Format(keyDate)})
	}
	return out
}

// registerShipping hooks the shipping journey into c: every write of a
// shipment (tracking's CreateShipment and RecordEvents, by the GraphQL
// mutations and the signed webhook alike) queues the steps it calls for,
// in its own transaction.
func (s *Service) registerShipping(c *ent.Client) {
	c.Shipment.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ShipmentFunc(func(ctx context.Context, m *ent.ShipmentMutation) (ent.Value, error) {
			tx := ent.TxFromContext(ctx)
			var prev *shipState
			if tx != nil && m.Op().Is(ent.OpUpdateOne) {
				var err error
				if prev, err = oldShipState(auth.WithSystem(ctx), m); err != nil {
					return nil, err
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			sh, ok := v.(*ent.Shipment)
			if !ok || tx == nil {
				return v, nil
			}
			if err := s.shipmentChanged(ctx, tx, prev, sh); err != nil {
				return nil, err
			}
			return v, nil
		})
	}, ent.OpCreate|ent.OpUpdateOne))
}

// oldShipState reads the shipment m updates as it was.
func oldShipState(ctx context.Context, m *ent.ShipmentMutation) (*shipState, error) {
	st, err := m.OldStatus(ctx)
	if err != nil {
		return nil, err
	}
	first, err := m.OldFirstEstimatedDeliveryAt(ctx)
	if err != nil {
		return nil, err
	}
	eta, err := m.OldLatestEstimatedDeliveryAt(ctx)
	if err != nil {
		return nil, err
	}
	return &shipState{Status: st, FirstETA: first, ETA: eta}, nil
}

// shipmentChanged queues what sh's change from prev calls for.
func (s *Service) shipmentChanged(ctx context.Context, tx *ent.Tx, prev *shipState, sh *ent.Shipment) error {
	ctx = auth.WithSystem(ctx)
	set, err := s.journeySettings(ctx, tx.Client(), JourneyShipping)
	if err != nil {
		return err
	}
	cur := shipState{Status: sh.Status, FirstETA: sh.FirstEstimatedDeliveryAt, ETA: sh.LatestEstimatedDeliveryAt}
	steps := shippingSteps(prev, cur, time.Duration(*set.DelayThresholdHours)*time.Hour)
	if len(steps) == 0 {
		return nil
	}
	o, err := tx.Order.Get(ctx, sh.OrderID)
	if err != nil {
		return err
	}
	cu, err := tx.Customer.Get(ctx, o.CustomerID)
	if err != nil {
		return err
	}
	for _, st := range steps {
		msg := Msg{Kind: st.kind, Channel: message.ChannelEMAIL, DedupeKey: fmt.Sprintf("shipment:%d:%s:EMAIL", sh.ID, st.key),
			Recipient: cu.Email, CustomerID: &cu.ID, OrderID: &o.ID, Journey: JourneyShipping}
		if o.CanceledAt != nil {
			msg.Skip = "the order was canceled"
		}
		if err := s.queueJourney(ctx, tx, set, msg); err != nil {
			return err
		}
	}
	return nil
}

// shipmentOfKey is the shipment id in a shipping message's dedupe key
// ("shipment:<id>:..."): the key names the cause, and a message has no
// shipment column of its own (the Message schema is shared by every
// journey and does not change).
func shipmentOfKey(key string) (int, error) {
	rest, ok := strings.CutPrefix(key, "shipment:")
	if !ok {
		return 0, fmt.Errorf("notify: %q is not a shipment's message", key)
	}
	id, _, _ := strings.Cut(rest, ":")
	return strconv.Atoi(id)
}

// messageShipment reads the shipment m is about.
func (s *Service) messageShipment(ctx context.Context, c *ent.Client, m *ent.Message) (*ent.Shipment, error) {
	id, err := shipmentOfKey(m.DedupeKey)
	if err != nil {
		return nil, err
	}
	return c.Shipment.Get(auth.WithSystem(ctx), id)
}

// shippingUpdate reads m's variables through c (as the system), and the
// shipment.
func (s *Service) shippingUpdate(ctx context.Context, c *ent.Client, m *ent.Message) (ShippingUpdate, *ent.Shipment, error) {
	ctx = auth.WithSystem(ctx)
	id, err := shipmentOfKey(m.DedupeKey)
	if err != nil {
		return ShippingUpdate{}, nil, err
	}
	sh, err := c.Shipment.Query().Where(shipment.ID(id)).
		WithOrder(func(q *ent.OrderQuery) { q.WithCustomer() }).
		WithItems(func(q *ent.ShipmentItemQuery) {
			q.Order(ent.Asc(shipmentitem.FieldID)).WithOrderItem(func(q *ent.OrderItemQuery) { q.WithProduct() })
		}).Only(ctx)
	if err != nil {
		return ShippingUpdate{}, nil, err
	}
	o := sh.Edges.Order
	orderURL := strings.ReplaceAll(*s.orderURL.Load(), "{number}", url.PathEscape(o.Number))
	v := ShippingUpdate{StoreName: s.cfg.StoreName, FirstName: firstName(o.Edges.Customer), OrderNumber: o.Number,
		Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber, TrackingURL: orderURL, OrderURL: orderURL}
	if sh.TrackingURL != nil && *sh.TrackingURL != "" {
		v.TrackingURL = *sh.TrackingURL
	}
	if sh.LatestEstimatedDeliveryAt != nil {
		v.ExpectedDelivery = s.dateFor(o.Edges.Customer, *sh.LatestEstimatedDeliveryAt)
	}
	if sh.DeliveredAt != nil {
		v.DeliveredOn = s.dateFor(o.Edges.Customer, *sh.DeliveredAt)
	}
	for _, si := range sh.Edges.Items {
		if it := si.Edges.OrderItem; it != nil {
			v.Items = append(v.Items, itemOf(it, si.Quantity))
		}
	}
	return v, sh, nil
}

// firstName is cu's first name for a greeting, or "there".
func firstName(cu *ent.Customer) string {
	if cu == nil || strings.TrimSpace(cu.FirstName) == "" {
		return "there"
	}
	return cu.FirstName
}

// itemOf is order line it, quantity units of it, as a message shows it
// (product edge loaded).
func itemOf(it *ent.OrderItem, quantity int) Item {
	item := Item{Quantity: quantity}
	if p := it.Edges.Product; p != nil {
		item.Name = p.Name
		if p.ImageURL != nil {
			item.ImageURL = *p.ImageURL
		}
	}
	return item
}

// orderItemsWithProducts reads order id's lines with their products.
func orderItemsWithProducts(ctx context.Context, c *ent.Client, orderID int) ([]*ent.OrderItem, error) {
	return c.OrderItem.Query().Where(orderitem.OrderID(orderID)).Order(ent.Asc(orderitem.FieldID)).WithProduct().All(ctx)
}
