package graph

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/graph/scalar"
	"github.com/aftercart/aftercart/server/metrics"
	"github.com/aftercart/aftercart/server/money"
	"github.com/aftercart/aftercart/server/orders"
)

// The order status screen, rendered directly.
//
// gqlgen executes a selection field by field: a field context, a resolver
// call through the middleware chain, a marshaler value and a closure per
// field, a goroutine per list element, and the whole tree kept until it is
// written. For the order status screen (~150 values, 20 of them tracking
// events per shipment) that is most of the Go CPU and allocations of the
// request once the order is loaded in two statements. statusFastPath
// renders the same selection straight from the loaded entities into one
// buffer, for the operations it knows completely:
//
//   - a query whose every root field is order(number:) (under any aliases)
//     or __typename;
//   - each order's selection accepted by planStatus (the same fields the
//     two-statement loader serves), with @skip/@include applied by
//     gqlgen's own field collection.
//
// Everything else, and any error on the way (a missing or forbidden order,
// a database error, a value the schema says cannot be null), goes through
// gqlgen's executor as if the fast path did not exist: errors are only ever
// produced there, with their paths, codes and presenter. The values are the
// ones gqlgen reads (the same ent fields and methods, the same resolvers for
// computed fields) written by the same marshalers, so the bytes are the
// same; TestOrderStatusFastPath compares both paths on every field of every
// type the fast path renders, with aliases, fragments and directives, on
// SQLite and Postgres.
type statusFastPath struct {
	resolver *Resolver
	log      *slog.Logger
	metrics  *metrics.Metrics
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = statusFastPath{}

// ExtensionName implements graphql.HandlerExtension.
func (statusFastPath) ExtensionName() string { return "OrderStatusFastPath" }

// Validate implements graphql.HandlerExtension.
func (statusFastPath) Validate(graphql.ExecutableSchema) error { return nil }

// queryTypes are the implementors of the root query type.
var queryTypes = []string{"Query"}

// InterceptResponse implements graphql.ResponseInterceptor. It is the
// innermost interceptor: every check, the viewer, the observer and the
// budget have run (or wrap it) as for any operation.
func (fp statusFastPath) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	op := graphql.GetOperationContext(ctx)
	if op.Operation == nil || op.Operation.Operation != ast.Query {
		return next(ctx)
	}
	root, plans, ok := statusPlans(op)
	if !ok {
		return next(ctx)
	}
	numbers := make([]string, len(root))
	for i, f := range root {
		if f.Name == "__typename" {
			continue
		}
		if numbers[i], ok = f.ArgumentMap(op.Variables)["number"].(string); !ok {
			return next(ctx)
		}
	}
	w := statusWriter{ctx: ctx, op: op, r: fp.resolver, buf: bytes.NewBuffer(make([]byte, 0, 4096)), ok: true}
	ok = func() (ok bool) {
		defer func() {
			// A panic here is a bug of the fast path, not of the
			// request: the executor answers, and recovers its own.
			if p := recover(); p != nil {
				fp.log.ErrorContext(ctx, "order status fast path: panic", "panic", fmt.Sprint(p))
				ok = false
			}
		}()
		w.buf.WriteByte('{')
		for i, f := range root {
			w.key(i, f.Alias)
			if f.Name == "__typename" {
				w.str("Query")
				continue
			}
			o, err := orders.LoadStatus(ctx, fp.resolver.Client, numbers[i], plans[i])
			if err != nil {
				return false
			}
			w.order(f.Selections, o, plans[i])
		}
		w.buf.WriteByte('}')
		return w.ok
	}()
	fp.metrics.FastPath(ok)
	if !ok {
		return next(ctx)
	}
	return &graphql.Response{Data: w.buf.Bytes()}
}

// money writes a Money from a resolver, which never fails for these fields;
// an error or nil (the schema says Money!) leaves it to the executor.
func (w *statusWriter) money(sel ast.SelectionSet, m *money.Money, err error) {
	if err != nil || m == nil {
		w.fail()
		return
	}
	w.object(sel, []string{"Money"}, func(f graphql.CollectedField) {
		switch f.Name {
		case "amount":
			w.str(m.Amount())
		case "currencyCode":
			w.str(m.Currency)
		default:
			w.fail()
		}
	})
}

func (w *statusWriter) order(sel ast.SelectionSet, o *ent.Order, p orders.StatusPlan) {
	w.object(sel, statusOrderTypes, func(f graphql.CollectedField) {
		switch f.Name {
		case "id":
			w.id(o.ID)
		case "createdAt":
			w.marshal(scalar.MarshalTime(o.CreatedAt))
		case "updatedAt":
			w.marshal(scalar.MarshalTime(o.UpdatedAt))
		case "number":
			w.str(o.Number)
		case "externalId":
			w.str(o.ExternalID)
		case "status":
			w.marshal(o.Status)
		case "placedAt":
			w.marshal(scalar.MarshalTime(o.PlacedAt))
		case "canceledAt":
			w.optTime(o.CanceledAt)
		case "deliveredAt":
			w.optTime(o.DeliveredAt)
		case "shippingAddress":
			w.address(f.Selections, o.ShippingAddress)
		case "paymentMethod":
			w.paymentMethod(f.Selections, o.PaymentMethod)
		case "returnPolicy":
			w.str(o.ReturnPolicy)
		case "returnWindowDays":
			w.int(o.ReturnWindowDays)
		case "returnWindowEndsAt":
			w.optTime(o.ReturnWindowEndsAt)
		case "currencyCode":
			c, err := w.r.Order().CurrencyCode(w.ctx, o)
			if err != nil {
				w.fail()
				return
			}
			w.str(c)
		case "subtotal":
			m, err := w.r.Order().Subtotal(w.ctx, o)
			w.money(f.Selections, m, err)
		case "shippingCost":
			m, err := w.r.Order().ShippingCost(w.ctx, o)
			w.money(f.Selections, m, err)
		case "tax":
			m, err := w.r.Order().Tax(w.ctx, o)
			w.money(f.Selections, m, err)
		case "discount":
			m, err := w.r.Order().Discount(w.ctx, o)
			w.money(f.Selections, m, err)
		case "total":
			m, err := w.r.Order().Total(w.ctx, o)
			w.money(f.Selections, m, err)
		case "customer":
			c, err := o.Edges.CustomerOrErr()
			if err != nil || c == nil {
				w.fail()
				return
			}
			w.customer(f.Selections, c)
		case "items":
			items, err := o.NamedItems(p.Items)
			if err != nil {
				w.fail()
				return
			}
			w.list(len(items), func(i int) { w.item(f.Selections, items[i]) })
		case "shipments":
			ships, err := o.NamedShipments(p.Shipments)
			if err != nil {
				w.fail()
				return
			}
			w.list(len(ships), func(i int) { w.shipment(f, ships[i], p) })
		default:
			w.fail()
		}
	})
}

func (w *statusWriter) address(sel ast.SelectionSet, a types.Address) {
	w.object(sel, []string{"Address"}, func(f graphql.CollectedField) {
		switch f.Name {
		case "name":
			w.str(a.Name)
		case "line1":
			w.str(a.Line1)
		case "line2":
			w.str(a.Line2)
		case "city":
			w.str(a.City)
		case "region":
			w.str(a.Region)
		case "postalCode":
			w.str(a.PostalCode)
		case "countryCode":
			w.str(a.CountryCode)
		case "phone":
			w.str(a.Phone)
		default:
			w.fail()
		}
	})
}

func (w *statusWriter) paymentMethod(sel ast.SelectionSet, m types.PaymentMethod) {
	w.object(sel, []string{"PaymentMethod"}, func(f graphql.CollectedField) {
		switch f.Name {
		case "kind":
			w.str(m.Kind)
		case "brand":
			w.str(m.Brand)
		case "last4":
			w.str(m.Last4)
		case "summary":
			w.str(m.Summary())
		default:
			w.fail()
		}
	})
}

func (w *statusWriter) customer(sel ast.SelectionSet, c *ent.Customer) {
	w.object(sel, statusCustomerTypes, func(f graphql.CollectedField) {
		switch f.Name {
		case "id":
			w.id(c.ID)
		case "createdAt":
			w.marshal(scalar.MarshalTime(c.CreatedAt))
		case "updatedAt":
			w.marshal(scalar.MarshalTime(c.UpdatedAt))
		case "email":
			w.str(c.Email)
		case "externalId":
			w.optStr(c.ExternalID)
		case "firstName":
			w.str(c.FirstName)
		case "lastName":
			w.str(c.LastName)
		case "silencedUntil":
			w.optTime(c.SilencedUntil)
		case "silenceReason":
			w.optStr(c.SilenceReason)
		default:
			w.fail()
		}
	})
}

func (w *statusWriter) item(sel ast.SelectionSet, it *ent.OrderItem) {
	w.object(sel, statusItemTypes, func(f graphql.CollectedField) {
		switch f.Name {
		case "id":
			w.id(it.ID)
		case "createdAt":
			w.marshal(scalar.MarshalTime(it.CreatedAt))
		case "updatedAt":
			w.marshal(scalar.MarshalTime(it.UpdatedAt))
		case "externalId":
			w.str(it.ExternalID)
		case "quantity":
			w.int(it.Quantity)
		case "unitPrice":
			m, err := w.r.OrderItem().UnitPrice(w.ctx, it)
			w.money(f.Selections, m, err)
		case "total":
			m, err := w.r.OrderItem().Total(w.ctx, it)
			w.money(f.Selections, m, err)
		case "product":
			pr, err := it.Edges.ProductOrErr()
			if err != nil || pr == nil {
				w.fail()
				return
			}
			w.product(f.Selections, pr)
		default:
			w.fail()
		}
	})
}

func (w *statusWriter) product(sel ast.SelectionSet, pr *ent.Product) {
	w.object(sel, statusProductTypes, func(f graphql.CollectedField) {
		switch f.Name {
		case "id":
			w.id(pr.ID)
		case "createdAt":
			w.marshal(scalar.MarshalTime(pr.CreatedAt))
		case "updatedAt":
			w.marshal(scalar.MarshalTime(pr.UpdatedAt))
		case "sku":
			w.str(pr.Sku)
		case "name":
			w.str(pr.Name)
		case "description":
			w.str(pr.Description)
		case "imageUrl":
			w.optStr(pr.ImageURL)
		case "category":
			w.str(pr.Category)
		case "reorderIntervalDays":
			w.optInt(pr.ReorderIntervalDays)
		case "contentUrl":
			w.optStr(pr.ContentURL)
		case "contentText":
			w.optStr(pr.ContentText)
		default:
			w.fail()
		}
	})
}

// defaultEventsOrder is the events argument's default (the only order the
// plan accepts): the connection's cursors carry occurredAt.
var defaultEventsOrder = &ent.TrackingEventOrder{Direction: entgql.OrderDirectionDesc, Field: ent.TrackingEventOrderFieldOccurredAt}

func (w *statusWriter) shipment(parent graphql.CollectedField, s *ent.Shipment, p orders.StatusPlan) {
	w.object(parent.Selections, statusShipmentTypes, func(f graphql.CollectedField) {
		switch f.Name {
		case "id":
			w.id(s.ID)
		case "createdAt":
			w.marshal(scalar.MarshalTime(s.CreatedAt))
		case "updatedAt":
			w.marshal(scalar.MarshalTime(s.UpdatedAt))
		case "carrier":
			w.str(s.Carrier)
		case "trackingNumber":
			w.str(s.TrackingNumber)
		case "trackingUrl":
			w.optStr(s.TrackingURL)
		case "status":
			w.marshal(s.Status)
		case "subStatus":
			w.optStr(s.SubStatus)
		case "firstEstimatedDeliveryAt":
			w.optTime(s.FirstEstimatedDeliveryAt)
		case "latestEstimatedDeliveryAt":
			w.optTime(s.LatestEstimatedDeliveryAt)
		case "shippedAt":
			w.optTime(s.ShippedAt)
		case "deliveredAt":
			w.optTime(s.DeliveredAt)
		case "lastEventAt":
			w.optTime(s.LastEventAt)
		case "events":
			// The page is built by ent's own connection code from the
			// eager-loaded first+1 events, as on the executor's path,
			// which finds them by the field's alias.
			fc := &graphql.FieldContext{Field: f}
			first := p.First
			conn, err := s.Events(graphql.WithFieldContext(w.ctx, fc), nil, &first, nil, nil, defaultEventsOrder, nil)
			if err != nil || conn == nil {
				w.fail()
				return
			}
			w.events(f.Selections, conn)
		default:
			w.fail()
		}
	})
}

func (w *statusWriter) events(sel ast.SelectionSet, conn *ent.TrackingEventConnection) {
	w.object(sel, statusConnTypes, func(f graphql.CollectedField) {
		switch f.Name {
		case "edges":
			w.list(len(conn.Edges), func(i int) {
				e := conn.Edges[i]
				if e == nil {
					w.null()
					return
				}
				w.object(f.Selections, statusEdgeTypes, func(f graphql.CollectedField) {
					switch f.Name {
					case "node":
						if e.Node == nil {
							w.null()
							return
						}
						w.event(f.Selections, e.Node)
					case "cursor":
						w.marshal(e.Cursor)
					default:
						w.fail()
					}
				})
			})
		case "pageInfo":
			pi := conn.PageInfo
			w.object(f.Selections, statusPageInfoTypes, func(f graphql.CollectedField) {
				switch f.Name {
				case "hasNextPage":
					w.bool(pi.HasNextPage)
				case "hasPreviousPage":
					w.bool(pi.HasPreviousPage)
				case "startCursor":
					w.cursor(pi.StartCursor)
				case "endCursor":
					w.cursor(pi.EndCursor)
				default:
					w.fail()
				}
			})
		default: // totalCount: not on this path (planStatus refuses it)
			w.fail()
		}
	})
}

func (w *statusWriter) event(sel ast.SelectionSet, e *ent.TrackingEvent) {
	w.object(sel, statusEventTypes, func(f graphql.CollectedField) {
		switch f.Name {
		case "id":
			w.id(e.ID)
		case "externalId":
			w.str(e.ExternalID)
		case "status":
			w.marshal(e.Status)
		case "subStatus":
			w.optStr(e.SubStatus)
		case "message":
			w.str(e.Message)
		case "location":
			w.optStr(e.Location)
		case "occurredAt":
			w.marshal(scalar.MarshalTime(e.OccurredAt))
		case "recordedAt":
			w.marshal(scalar.MarshalTime(e.RecordedAt))
		default:
			w.fail()
		}
	})
}
