package graph

import (
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/trackingevent"
	"github.com/aftercart/aftercart/server/orders"
)

// The fast path reads only the columns its selection needs.
//
// The order status screen selects about a third of the columns it could:
// no timestamps of creation, no payment method, no product descriptions.
// Reading, converting and decoding the others (times parsed from text on
// SQLite, JSON decoded for the address and payment method) was a fifth of
// the server's CPU on that screen. statusColumns lists, per part of the
// two statements, the columns the selection reads; a field it cannot map
// (a new one) makes its part read every column, as before.
//
// Only statusFastPath prunes. The executor's path (gqlgen's resolvers read
// whatever fields they like, and the fast path falls back to it) always
// loads whole entities, so TestOrderStatusFastPath, which compares the two
// on every field of every type, also proves the columns listed here are
// the ones the fast path reads.

// columnsOf maps a type's GraphQL fields to its columns: every column under
// its entgql name (lowerCamel of the column: "image_url" is "imageUrl"),
// plus what computed fields read.
func columnsOf(columns []string, computed map[string][]string) map[string][]string {
	m := map[string][]string{}
	for _, c := range columns {
		parts := strings.Split(c, "_")
		for i := 1; i < len(parts); i++ {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
		m[strings.Join(parts, "")] = []string{c}
	}
	for f, cols := range computed {
		m[f] = cols
	}
	return m
}

var (
	orderFields = columnsOf(order.Columns, map[string][]string{
		"currencyCode": {order.FieldCurrency},
		"subtotal":     {order.FieldSubtotalMinor, order.FieldCurrency},
		"shippingCost": {order.FieldShippingMinor, order.FieldCurrency},
		"tax":          {order.FieldTaxMinor, order.FieldCurrency},
		"discount":     {order.FieldDiscountMinor, order.FieldCurrency},
		"total":        {order.FieldTotalMinor, order.FieldCurrency},
		"customer":     {order.FieldCustomerID},
		"items":        nil, // joined on the order's id
		"shipments":    nil, // read by the order's id
	})
	customerFields = columnsOf(customer.Columns, nil)
	itemFields     = columnsOf(orderitem.Columns, map[string][]string{
		"unitPrice": {orderitem.FieldUnitPriceMinor, orderitem.FieldCurrency},
		"total":     {orderitem.FieldUnitPriceMinor, orderitem.FieldQuantity, orderitem.FieldCurrency},
		"product":   {orderitem.FieldProductID},
	})
	productFields  = columnsOf(product.Columns, nil)
	shipmentFields = columnsOf(shipment.Columns, map[string][]string{"events": nil})
	eventFields    = columnsOf(trackingevent.Columns, nil)
)

// statusColumns lists the columns the selection of an order(number:) field
// reads, for a selection planStatus accepted.
func statusColumns(op *graphql.OperationContext, field graphql.CollectedField) orders.StatusCols {
	var c orders.StatusCols
	c.Order = pick(op, field.Selections, statusOrderTypes, orderFields, order.FieldID, func(f graphql.CollectedField) {
		switch f.Name {
		case "customer":
			c.Customer = pick(op, f.Selections, statusCustomerTypes, customerFields, customer.FieldID, nil)
		case "items":
			c.Item = pick(op, f.Selections, statusItemTypes, itemFields, orderitem.FieldID, func(f graphql.CollectedField) {
				if f.Name == "product" {
					c.Product = pick(op, f.Selections, statusProductTypes, productFields, product.FieldID, nil)
				}
			})
		case "shipments":
			c.Shipment = pick(op, f.Selections, statusShipmentTypes, shipmentFields, shipment.FieldID, func(f graphql.CollectedField) {
				if f.Name == "events" {
					c.Event = eventColumns(op, f.Selections)
				}
			})
		}
	})
	return c
}

// eventColumns lists what an events page reads: the cursor's id and
// occurred_at whatever is selected, and the selected nodes' fields.
func eventColumns(op *graphql.OperationContext, sel ast.SelectionSet) []string {
	cols := []string{trackingevent.FieldID, trackingevent.FieldOccurredAt}
	for _, f := range graphql.CollectFields(op, sel, statusConnTypes) {
		if f.Name != "edges" {
			continue
		}
		for _, f := range graphql.CollectFields(op, f.Selections, statusEdgeTypes) {
			if f.Name != "node" {
				continue
			}
			node := pick(op, f.Selections, statusEventTypes, eventFields, trackingevent.FieldID, nil)
			if node == nil {
				return nil
			}
			for _, c := range node {
				if !slices.Contains(cols, c) {
					cols = append(cols, c)
				}
			}
		}
	}
	return cols
}

// pick lists the columns sel reads of an object of types: id first, then
// each field's columns; edge is called for each field with a selection of
// its own. It returns nil (every column) when a field maps to none.
func pick(op *graphql.OperationContext, sel ast.SelectionSet, types []string, fields map[string][]string, id string, edge func(graphql.CollectedField)) []string {
	cols := []string{id}
	all := false
	for _, f := range graphql.CollectFields(op, sel, types) {
		if f.Name == "__typename" {
			continue
		}
		need, known := fields[f.Name]
		if !known {
			all = true
			continue
		}
		for _, c := range need {
			if !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
		}
		if edge != nil && len(f.Selections) > 0 {
			edge(f)
		}
	}
	if all {
		return nil
	}
	return cols
}
