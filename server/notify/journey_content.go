package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/categorycontent"
	"github.com/aftercart/aftercart/ent/itemreturn"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/catalog"
)

// JourneyContent is the after-purchase content: a product's care or
// how-to content a few days after delivery (issue 13).
const JourneyContent = "after_purchase_content"

// DefaultContentDelayDays is the content journey's default delayDays:
// a few days after delivery, once the product is in use.
const DefaultContentDelayDays = 3

// Content is what CONTENT templates can use.
type Content struct {
	// Marketing: the content is a marketing message (consent, the weekly
	// cap and quiet hours apply), with its unsubscribe link.
	Marketing
	// StoreName is the store's name (-store-name).
	StoreName string
	// FirstName is the customer's first name, or "there".
	FirstName string
	// OrderNumber is the store's order number.
	OrderNumber string
	// DeliveredOn is the order's delivery date, e.g. "6 March 2026".
	DeliveredOn string
	// Items are the order's products that have content (their own, else
	// their category's), one per product, in the order's line order.
	Items []ContentItem
}

// ContentItem is one product's content in a CONTENT message.
type ContentItem struct {
	// Name and ImageURL are the product's (ImageURL empty when it has none).
	Name, ImageURL string
	// URL is the content's link; Text the short text beside it (may be
	// empty).
	URL, Text string
}

// contentSample is CONTENT's sample.
var contentSample = Content{Marketing: marketingSample, StoreName: "Sample Store", FirstName: "Mina",
	OrderNumber: "AC-1001", DeliveredOn: "6 March 2026",
	Items: []ContentItem{{Name: "Cast iron pan", ImageURL: "https://img.example.com/pan.jpg",
		URL: "https://shop.example.com/care/cast-iron?a=1&b=2", Text: "Season it before the first use."}}}

func init() {
	registerJourney(journeySpec{name: JourneyContent,
		description: "One message per delivered order, delayDays after delivery, with the care or how-to content of its " +
			"products (a product's own content, else its category's; nothing is queued when no product has any); skipped " +
			"when the order was canceled or every line returned. Marketing: it needs consent, counts toward the weekly cap " +
			"and waits out quiet hours.",
		kinds:    []message.Kind{message.KindCONTENT},
		defaults: JourneySettings{Enabled: true, DelayDays: intp(DefaultContentDelayDays)}})
	registerKind(message.KindCONTENT, kindSpec{sample: contentSample,
		vars: func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
			return s.content(ctx, c, m)
		},
		check: func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
			return s.contentCheck(ctx, tx.Client(), m)
		}})
}

// contentKey is the dedupe key of order id's content message.
func contentKey(orderID int) string { return fmt.Sprintf("order:%d:content:EMAIL", orderID) }

// contentOnDelivery queues order o's content message DelayDays after its
// delivery, when any of its products has content. The key names the
// order, so a delivery recorded again queues nothing new.
func (s *Service) contentOnDelivery(ctx context.Context, tx *ent.Tx, o *ent.Order, items []*ent.OrderItem, cu *ent.Customer) error {
	found, err := contentOf(ctx, tx.Client(), items)
	if err != nil || len(found) == 0 {
		return err
	}
	set, err := s.journeySettings(ctx, tx.Client(), JourneyContent)
	if err != nil {
		return err
	}
	msg := Msg{Kind: message.KindCONTENT, Channel: message.ChannelEMAIL, DedupeKey: contentKey(o.ID), Recipient: cu.Email,
		CustomerID: &cu.ID, OrderID: &o.ID, Journey: JourneyContent, Marketing: true,
		DueAt: o.DeliveredAt.Add(time.Duration(*set.DelayDays) * 24 * time.Hour)}
	if o.CanceledAt != nil {
		msg.Skip = "the order was canceled"
	}
	return s.queueJourney(ctx, tx, set, msg)
}

// contentOf is the content of items' products (product edge loaded), one
// per product in line order: the product's own, else its category's
// (server/catalog's CategoryContent), else none.
func contentOf(ctx context.Context, c *ent.Client, items []*ent.OrderItem) ([]ContentItem, error) {
	var cats []string
	for _, it := range items {
		if p := it.Edges.Product; p != nil && p.ContentURL == nil && p.Category != "" {
			cats = append(cats, catalog.CategoryKey(p.Category))
		}
	}
	byCat := map[string]*ent.CategoryContent{}
	if len(cats) > 0 {
		rows, err := c.CategoryContent.Query().Where(categorycontent.CategoryIn(cats...)).All(auth.WithSystem(ctx))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			byCat[r.Category] = r
		}
	}
	var out []ContentItem
	seen := map[int]bool{}
	for _, it := range items {
		p := it.Edges.Product
		if p == nil || seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		ci := ContentItem{Name: p.Name}
		if p.ImageURL != nil {
			ci.ImageURL = *p.ImageURL
		}
		switch cc := byCat[catalog.CategoryKey(p.Category)]; {
		case p.ContentURL != nil:
			ci.URL = *p.ContentURL
			if p.ContentText != nil {
				ci.Text = *p.ContentText
			}
		case cc != nil:
			ci.URL, ci.Text = cc.ContentURL, cc.ContentText
		default:
			continue
		}
		out = append(out, ci)
	}
	return out, nil
}

// contentCheck decides, when the content message is due, whether it is
// still wanted: not for a canceled order, nor when every line was
// returned, nor when staff removed all the content in between.
func (s *Service) contentCheck(ctx context.Context, c *ent.Client, m *ent.Message) (string, error) {
	ctx = auth.WithSystem(ctx)
	if m.OrderID == nil {
		return "", fmt.Errorf("notify: content message %d without an order", m.ID)
	}
	o, err := c.Order.Get(ctx, *m.OrderID)
	if err != nil {
		return "", err
	}
	if o.CanceledAt != nil {
		return "the order was canceled", nil
	}
	items, err := orderItemsWithProducts(ctx, c, o.ID)
	if err != nil {
		return "", err
	}
	kept, err := notReturned(ctx, c, items)
	if err != nil {
		return "", err
	}
	if len(kept) == 0 {
		return "every item of the order was returned", nil
	}
	found, err := contentOf(ctx, c, kept)
	if err != nil {
		return "", err
	}
	if len(found) == 0 {
		return "no product of the order has content any more", nil
	}
	return "", nil
}

// content reads m's variables through c (as the system): the content of
// the lines not returned.
func (s *Service) content(ctx context.Context, c *ent.Client, m *ent.Message) (Content, error) {
	ctx = auth.WithSystem(ctx)
	if m.OrderID == nil {
		return Content{}, fmt.Errorf("notify: content message %d without an order", m.ID)
	}
	o, err := c.Order.Query().Where(order.ID(*m.OrderID)).WithCustomer().Only(ctx)
	if err != nil {
		return Content{}, err
	}
	items, err := orderItemsWithProducts(ctx, c, o.ID)
	if err != nil {
		return Content{}, err
	}
	kept, err := notReturned(ctx, c, items)
	if err != nil {
		return Content{}, err
	}
	found, err := contentOf(ctx, c, kept)
	if err != nil {
		return Content{}, err
	}
	v := Content{StoreName: s.cfg.StoreName, FirstName: firstName(o.Edges.Customer), OrderNumber: o.Number, Items: found}
	if o.DeliveredAt != nil {
		v.DeliveredOn = s.dateFor(o.Edges.Customer, *o.DeliveredAt)
	}
	return v, nil
}

// notReturned are the lines of items without a return (server/loyalty's
// markItemsReturned records them).
func notReturned(ctx context.Context, c *ent.Client, items []*ent.OrderItem) ([]*ent.OrderItem, error) {
	ids := make([]int, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	returned, err := c.ItemReturn.Query().Where(itemreturn.OrderItemIDIn(ids...)).Select(itemreturn.FieldOrderItemID).Ints(ctx)
	if err != nil {
		return nil, err
	}
	gone := make(map[int]bool, len(returned))
	for _, id := range returned {
		gone[id] = true
	}
	var out []*ent.OrderItem
	for _, it := range items {
		if !gone[it.ID] {
			out = append(out, it)
		}
	}
	return out, nil
}
