package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/money"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/tracking"
)

// currency is the store's only currency: it sells from Hamburg.
const currency = "EUR"

// product is one catalog entry of the demo store.
type product struct {
	sku, slug, name, category string
	// reorderDays is how long a unit of a consumable lasts; 0 for durables.
	// The values differ so replenishment reminders come due at different
	// times.
	reorderDays int
	priceCents  int64
}

// catalog is the demo store's range, keyed by SKU: consumables with reorder
// intervals (coffee, tea, filters and care) next to durables (apparel, mugs,
// equipment), so every product-facing feature has something to show.
var catalog = func() map[string]product {
	ps := []product{
		{"NR-COF-YIRG-250", "nw-yirgacheffe", "Ethiopia Yirgacheffe, whole bean, 250 g", "Coffee", 30, 1450},
		{"NR-COF-ESP-1000", "nw-harbour-espresso", "Harbour House Espresso, whole bean, 1 kg", "Coffee", 45, 3200},
		{"NR-COF-DECAF-250", "nw-colombia-decaf", "Colombia Decaf (Swiss Water), ground, 250 g", "Coffee", 30, 1390},
		{"NR-TEA-SENCHA-100", "nw-organic-sencha", "Organic Sencha, loose leaf, 100 g", "Tea", 45, 1150},
		{"NR-TEA-CHAI-200", "nw-masala-chai", "Masala Chai, loose leaf, 200 g", "Tea", 60, 1290},
		{"NR-FLT-V60-100", "nw-paper-filters", "Paper filters, size 02, 100 pcs", "Filters & Care", 60, 650},
		{"NR-CARE-DESCALE-8", "nw-descaling-tablets", "Descaling tablets, 8 pcs", "Filters & Care", 90, 890},
		{"NR-APP-TEE-M", "nw-crew-tee", "Roaster Crew tee, organic cotton, M", "Apparel", 0, 2400},
		{"NR-APP-BEANIE", "nw-merino-beanie", "Merino beanie, harbour blue", "Apparel", 0, 1900},
		{"NR-MUG-ENAMEL-350", "nw-enamel-mug", "Enamel camp mug, 350 ml", "Mugs", 0, 1600},
		{"NR-EQP-GRINDER", "nw-hand-grinder", "Hand grinder, ceramic burr", "Equipment", 0, 6900},
		{"NR-EQP-KETTLE", "nw-gooseneck-kettle", "Gooseneck pour-over kettle, 1 l", "Equipment", 0, 5400},
	}
	m := make(map[string]product, len(ps))
	for _, p := range ps {
		m[p.sku] = p
	}
	return m
}()

// line is one order line of a draft: a SKU from the catalog and a quantity.
type line struct {
	sku string
	qty int
}

// customer is a demo shopper.
type customer struct {
	email, first, last, externalID string
}

var (
	mina = customer{DemoCustomerEmail, "Mina", "Okafor", "nw-cus-4411"}
	leo  = customer{OtherCustomerEmail, "Leo", "Brandt", "nw-cus-4412"}
	// Sofia and Jonas are community members (SeedCommunity): Sofia has
	// received an order, so her posts publish at once; Jonas's first order
	// is only paid, so his posts wait for approval.
	sofia = customer{SofiaEmail, "Sofia", "Marino", "nw-cus-4413"}
	jonas = customer{NewCustomerEmail, "Jonas", "Weber", "nw-cus-4414"}
)

// Where parcels go. Mina's orders go home, to the office and, once, to her
// sister in Switzerland: outside the EU, which is why that one sits in
// customs.
var (
	minaHome = types.Address{Name: "Mina Okafor", Line1: "Lindenstraße 12", Line2: "3rd floor",
		City: "Berlin", PostalCode: "10969", CountryCode: "DE", Phone: "+49 30 5550 1234"}
	minaOffice = types.Address{Name: "Mina Okafor", Line1: "Torstraße 140", Line2: "c/o Fernweh Studio",
		City: "Berlin", PostalCode: "10119", CountryCode: "DE", Phone: "+49 30 5550 1234"}
	adaZurich = types.Address{Name: "Ada Okafor", Line1: "Seefeldstrasse 45", City: "Zürich",
		Region: "ZH", PostalCode: "8008", CountryCode: "CH", Phone: "+41 44 555 01 23"}
	leoHome = types.Address{Name: "Leo Brandt", Line1: "Prinsengracht 263", City: "Amsterdam",
		PostalCode: "1016 GV", CountryCode: "NL", Phone: "+31 20 555 0199"}
	sofiaHome = types.Address{Name: "Sofia Marino", Line1: "Via dei Serpenti 48", City: "Roma",
		PostalCode: "00184", CountryCode: "IT", Phone: "+39 06 5550 1782"}
	jonasHome = types.Address{Name: "Jonas Weber", Line1: "Schanzenstraße 7", City: "Hamburg",
		PostalCode: "20357", CountryCode: "DE", Phone: "+49 40 5550 3321"}
)

var (
	visa       = types.PaymentMethod{Kind: "card", Brand: "Visa", Last4: "4242"}
	mastercard = types.PaymentMethod{Kind: "card", Brand: "Mastercard", Last4: "5454"}
	paypal     = types.PaymentMethod{Kind: "paypal", Brand: "PayPal"}
)

// draft is a demo order before its amounts are worked out.
type draft struct {
	number   string
	placedAt time.Time
	customer customer
	address  types.Address
	payment  types.PaymentMethod
	lines    []line
	// shipping and discount are in cents.
	shipping, discount int64
	// vatPercent applies to the net total. Prices are net and tax is a
	// separate line so that the order summary adds up the way the API
	// shows it (subtotal + shipping + tax - discount); exports outside the
	// EU carry no VAT.
	vatPercent int64
	canceledAt *time.Time
}

// input turns d into what the store platform would send.
func (d draft) input() orders.ImportInput {
	slug := strings.ToLower(strings.ReplaceAll(d.number, "-", ""))
	in := orders.ImportInput{
		ExternalID:   "northwind-" + strings.TrimPrefix(d.number, "AC-"),
		Number:       d.number,
		PlacedAt:     d.placedAt,
		CurrencyCode: currency,
		Customer: orders.CustomerInput{
			Email: d.customer.email, FirstName: &d.customer.first, LastName: &d.customer.last,
			ExternalID: &d.customer.externalID,
		},
		ShippingAddress: d.address,
		PaymentMethod:   &d.payment,
		CanceledAt:      d.canceledAt,
	}
	var subtotal int64
	for i, l := range d.lines {
		p, ok := catalog[l.sku]
		if !ok {
			panic(fmt.Sprintf("demo: order %s has unknown SKU %s", d.number, l.sku))
		}
		subtotal += p.priceCents * int64(l.qty)
		it := orders.ItemInput{
			ExternalID: fmt.Sprintf("%s-line-%d", slug, i+1),
			Sku:        p.sku,
			Name:       p.name,
			ImageURL:   ptr(imagePath(p.slug)),
			Category:   ptr(p.category),
			Quantity:   l.qty,
			UnitPrice:  eur(p.priceCents),
		}
		if p.reorderDays > 0 {
			it.ReorderIntervalDays = ptr(p.reorderDays)
		}
		in.Items = append(in.Items, it)
	}
	// Round half up to the cent, as German VAT is.
	tax := ((subtotal+d.shipping-d.discount)*d.vatPercent + 50) / 100
	in.ShippingCost, in.Tax = ptr(eur(d.shipping)), ptr(eur(tax))
	if d.discount > 0 {
		in.Discount = ptr(eur(d.discount))
	}
	return in
}

func eur(cents int64) string { return money.Money{Minor: cents, Currency: currency}.Amount() }

func ptr[T any](v T) *T { return &v }

// event is a checkpoint; seedOrder numbers its ExternalID.
func event(status types.TrackingStatus, at time.Time, location, message string) tracking.EventInput {
	return tracking.EventInput{Status: status, OccurredAt: at, Location: &location, Message: &message}
}

// withSub returns e with a carrier sub-status.
func withSub(e tracking.EventInput, sub string) tracking.EventInput {
	e.SubStatus = &sub
	return e
}

// plans is the demo story, every date relative to now. Order numbers follow
// the order the orders were placed in, as a real store's do.
func plans(now time.Time) []orderPlan {
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	in := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	const (
		h   = time.Hour
		day = 24 * time.Hour
	)
	const (
		info      = types.TrackingInfoReceived
		transit   = types.TrackingInTransit
		out       = types.TrackingOutForDelivery
		delivered = types.TrackingDelivered
		exception = types.TrackingException
	)

	// AC-1000: delivered five days ago, so its 30-day return window is open
	// and the coffee in it is due for a reorder soon.
	p1000 := ago(9 * day)
	// AC-1001: the mobile demo's order, still on its way. The carrier first
	// promised tomorrow, then a hub backlog pushed it to the day after.
	p1001 := ago(3 * day)
	// AC-1002: the grinder shipped, the tee is back-ordered.
	p1002 := ago(2*day + 20*h)
	// AC-1003: express to the office, on the van now.
	p1003 := ago(2*day + 6*h)
	// AC-1004: a gift to Zürich, held by Swiss customs for import duty.
	p1004 := ago(2 * day)
	// AC-1005: paid a few hours ago, not packed yet.
	p1005 := ago(3 * h)
	// AC-1006: canceled a quarter of an hour after it was placed.
	p1006 := ago(h + 40*time.Minute)
	// Leo's orders: one delivered, one on its way.
	p2001 := ago(16 * day)
	p2002 := ago(1*day + 4*h)
	// The community members' orders: Sofia's arrived a week ago, Jonas's
	// first is paid and waits to be packed.
	p3001 := ago(11 * day)
	p3002 := ago(20 * h)

	return []orderPlan{
		{
			order: draft{number: "AC-1000", placedAt: p1000, customer: mina, address: minaHome, payment: visa,
				lines:    []line{{"NR-COF-YIRG-250", 2}, {"NR-FLT-V60-100", 1}, {"NR-MUG-ENAMEL-350", 1}},
				shipping: 490, discount: 500, vatPercent: 19}.input(),
			shipments: []shipmentPlan{{
				carrier: "DPD", trackingNumber: "01505009463817",
				updates: []update{
					{eta: in(-5 * day), events: []tracking.EventInput{
						event(info, p1000.Add(5*h), "Hamburg, DE", "Parcel data received from the sender"),
						event(transit, p1000.Add(1*day), "Hamburg, DE", "Parcel collected from the sender"),
						event(transit, p1000.Add(1*day+9*h), "Großbeeren, DE", "At the DPD parcel hub"),
					}},
					{events: []tracking.EventInput{
						event(out, ago(5*day+6*h), "Berlin, DE", "Out for delivery"),
						withSub(event(delivered, ago(5*day+2*h), "Berlin, DE", "Delivered to the recipient"), "Handed to recipient"),
					}},
				},
			}},
		},
		{
			order: draft{number: InTransitOrderNumber, placedAt: p1001, customer: mina, address: minaHome, payment: mastercard,
				lines:    []line{{"NR-COF-ESP-1000", 1}, {"NR-TEA-SENCHA-100", 1}, {"NR-FLT-V60-100", 2}},
				shipping: 0, vatPercent: 19}.input(),
			shipments: []shipmentPlan{{
				carrier: InTransitCarrier, trackingNumber: InTransitTrackingNumber,
				updates: []update{
					{eta: in(1 * day), events: []tracking.EventInput{
						event(info, p1001.Add(4*h), "Hamburg, DE", "Shipment information received"),
						event(transit, p1001.Add(20*h), "Hamburg, DE", "Shipment picked up"),
						event(transit, p1001.Add(1*day+6*h), "Leipzig, DE", "Arrived at DHL hub"),
					}},
					{eta: in(2 * day), events: []tracking.EventInput{
						withSub(event(transit, ago(8*h), "Leipzig, DE", "Departed DHL hub, delayed by high parcel volume"), "Delayed"),
					}},
				},
			}},
		},
		{
			order: draft{number: "AC-1002", placedAt: p1002, customer: mina, address: minaHome, payment: paypal,
				lines:    []line{{"NR-EQP-GRINDER", 1}, {"NR-APP-TEE-M", 1}},
				shipping: 0, vatPercent: 19}.input(),
			shipments: []shipmentPlan{{
				carrier: "UPS", trackingNumber: "1Z4E38V86893241567", skus: []string{"NR-EQP-GRINDER"},
				updates: []update{{eta: in(1 * day), events: []tracking.EventInput{
					event(info, p1002.Add(1*day), "Hamburg, DE", "Shipper created a label"),
					event(transit, p1002.Add(1*day+7*h), "Hamburg, DE", "Departed from facility"),
					event(transit, ago(5*h), "Berlin, DE", "Arrived at facility"),
				}}},
			}},
		},
		{
			order: draft{number: "AC-1003", placedAt: p1003, customer: mina, address: minaOffice, payment: visa,
				lines:    []line{{"NR-TEA-CHAI-200", 2}, {"NR-MUG-ENAMEL-350", 2}},
				shipping: 690, vatPercent: 19}.input(),
			shipments: []shipmentPlan{{
				carrier: "GLS", trackingNumber: "71864523097",
				updates: []update{
					{eta: in(5 * h), events: []tracking.EventInput{
						event(info, p1003.Add(2*h), "Hamburg, DE", "The parcel data was entered into the GLS IT system"),
						event(transit, p1003.Add(9*h), "Hamburg, DE", "The parcel has left the parcel center"),
					}},
					{eta: in(5 * h), events: []tracking.EventInput{
						event(transit, ago(9*h), "Berlin, DE", "The parcel has reached the parcel center"),
						event(out, ago(2*h), "Berlin, DE", "The parcel is expected to be delivered during the day"),
					}},
				},
			}},
		},
		{
			order: draft{number: "AC-1004", placedAt: p1004, customer: mina, address: adaZurich, payment: visa,
				lines:    []line{{"NR-COF-YIRG-250", 1}, {"NR-COF-DECAF-250", 1}, {"NR-APP-BEANIE", 1}},
				shipping: 1490, vatPercent: 0}.input(),
			shipments: []shipmentPlan{{
				carrier: "DHL", trackingNumber: "7283946510",
				updates: []update{
					{eta: in(0), events: []tracking.EventInput{
						event(info, p1004.Add(3*h), "Hamburg, DE", "Shipment information received"),
						event(transit, p1004.Add(10*h), "Leipzig, DE", "Departed DHL hub"),
						event(transit, p1004.Add(20*h), "Basel, CH", "Arrived in the destination country"),
					}},
					{eta: in(3 * day), events: []tracking.EventInput{
						withSub(event(exception, ago(6*h), "Zürich-Mülligen, CH",
							"Held by customs: import duty and VAT are due from the recipient before delivery"), "Customs hold"),
					}},
				},
			}},
		},
		{
			order: draft{number: "AC-1005", placedAt: p1005, customer: mina, address: minaHome, payment: mastercard,
				lines:    []line{{"NR-EQP-KETTLE", 1}, {"NR-CARE-DESCALE-8", 1}},
				shipping: 0, vatPercent: 19}.input(),
		},
		{
			order: draft{number: "AC-1006", placedAt: p1006, customer: mina, address: minaHome, payment: paypal,
				lines:    []line{{"NR-APP-TEE-M", 1}},
				shipping: 490, vatPercent: 19, canceledAt: ptr(p1006.Add(15 * time.Minute))}.input(),
		},
		{
			order: draft{number: "AC-2001", placedAt: p2001, customer: leo, address: leoHome, payment: mastercard,
				lines:    []line{{"NR-COF-ESP-1000", 1}, {"NR-FLT-V60-100", 1}},
				shipping: 690, vatPercent: 21}.input(),
			shipments: []shipmentPlan{{
				carrier: "PostNL", trackingNumber: "3SNWRD004417281",
				updates: []update{{eta: in(-12 * day), events: []tracking.EventInput{
					event(info, p2001.Add(6*h), "Hamburg, DE", "Shipment announced by the sender"),
					event(transit, p2001.Add(1*day), "Hamburg, DE", "Shipment handed over to PostNL"),
					event(transit, p2001.Add(3*day), "Amsterdam, NL", "Shipment sorted at the distribution centre"),
					event(delivered, ago(12*day+5*h), "Amsterdam, NL", "Shipment delivered"),
				}}},
			}},
		},
		{
			order: draft{number: "AC-2002", placedAt: p2002, customer: leo, address: leoHome, payment: paypal,
				lines:    []line{{"NR-EQP-GRINDER", 1}, {"NR-TEA-SENCHA-100", 2}},
				shipping: 0, vatPercent: 21}.input(),
			shipments: []shipmentPlan{{
				carrier: "PostNL", trackingNumber: "3SNWRD004452097",
				updates: []update{{eta: in(1 * day), events: []tracking.EventInput{
					event(info, p2002.Add(5*h), "Hamburg, DE", "Shipment announced by the sender"),
					event(transit, ago(3*h), "Hamburg, DE", "Shipment handed over to PostNL"),
				}}},
			}},
		},
		{
			order: draft{number: "AC-3001", placedAt: p3001, customer: sofia, address: sofiaHome, payment: visa,
				lines:    []line{{"NR-EQP-KETTLE", 1}, {"NR-TEA-CHAI-200", 2}},
				shipping: 990, vatPercent: 22}.input(),
			shipments: []shipmentPlan{{
				carrier: "DHL", trackingNumber: "7283951146",
				updates: []update{{eta: in(-7 * day), events: []tracking.EventInput{
					event(info, p3001.Add(4*h), "Hamburg, DE", "Shipment information received"),
					event(transit, p3001.Add(1*day), "Hamburg, DE", "Shipment picked up"),
					event(transit, p3001.Add(2*day+5*h), "Milano, IT", "Arrived in the destination country"),
					event(delivered, ago(7*day+3*h), "Roma, IT", "Delivered"),
				}}},
			}},
		},
		{
			order: draft{number: "AC-3002", placedAt: p3002, customer: jonas, address: jonasHome, payment: paypal,
				lines:    []line{{"NR-COF-YIRG-250", 1}, {"NR-FLT-V60-100", 1}},
				shipping: 490, vatPercent: 19}.input(),
		},
	}
}
