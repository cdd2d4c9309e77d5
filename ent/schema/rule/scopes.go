package rule

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/shipmentitem"
	"github.com/aftercart/aftercart/ent/trackingevent"
	"github.com/aftercart/aftercart/server/auth"
)

// Each scope below adds the ownership predicate for a customer viewer. The
// predicates go through order.customer_id, which is indexed, so a customer's
// filter costs one indexed join per level.

// ScopeCustomers lets a customer see only their own customer record.
func ScopeCustomers() privacy.QueryRule {
	return privacy.CustomerQueryRuleFunc(func(ctx context.Context, q *ent.CustomerQuery) error {
		return scope(ctx, func(cid int) { q.Where(customer.ID(cid)) })
	})
}

// ScopeOrders lets a customer see only their own orders.
func ScopeOrders() privacy.QueryRule {
	return privacy.OrderQueryRuleFunc(func(ctx context.Context, q *ent.OrderQuery) error {
		return scope(ctx, func(cid int) { q.Where(order.CustomerID(cid)) })
	})
}

// ScopeOrderItems lets a customer see only the lines of their own orders.
func ScopeOrderItems() privacy.QueryRule {
	return privacy.OrderItemQueryRuleFunc(func(ctx context.Context, q *ent.OrderItemQuery) error {
		return scope(ctx, func(cid int) { q.Where(orderitem.HasOrderWith(order.CustomerID(cid))) })
	})
}

// ScopeShipments lets a customer see only the shipments of their own orders.
func ScopeShipments() privacy.QueryRule {
	return privacy.ShipmentQueryRuleFunc(func(ctx context.Context, q *ent.ShipmentQuery) error {
		return scope(ctx, func(cid int) { q.Where(shipment.HasOrderWith(order.CustomerID(cid))) })
	})
}

// ScopeShipmentItems lets a customer see only the contents of their own shipments.
func ScopeShipmentItems() privacy.QueryRule {
	return privacy.ShipmentItemQueryRuleFunc(func(ctx context.Context, q *ent.ShipmentItemQuery) error {
		return scope(ctx, func(cid int) {
			q.Where(shipmentitem.HasShipmentWith(shipment.HasOrderWith(order.CustomerID(cid))))
		})
	})
}

// ScopeTrackingEvents lets a customer see only the timeline of their own shipments.
func ScopeTrackingEvents() privacy.QueryRule {
	return privacy.TrackingEventQueryRuleFunc(func(ctx context.Context, q *ent.TrackingEventQuery) error {
		return scope(ctx, func(cid int) {
			q.Where(trackingevent.HasShipmentWith(shipment.HasOrderWith(order.CustomerID(cid))))
		})
	})
}

// scope applies CustomerScope: allow (after filtering, for customers) or deny.
func scope(ctx context.Context, where func(customerID int)) error {
	cid, filter, deny := CustomerScope(ctx)
	if deny != nil {
		return deny
	}
	if filter {
		where(cid)
	}
	return privacy.Allow
}

// StaffOnlyMutations is the mutation policy of every entity: writes come from
// staff, or from domain commands that run as system after their own checks.
func StaffOnlyMutations() privacy.MutationPolicy {
	return privacy.MutationPolicy{AllowTrusted(), privacy.AlwaysDenyRule()}
}

// ScopeMedia lets a customer see the media they uploaded, attached or not,
// and anyone (anonymous viewers included) the media attached to a review
// or a community post they may see (reviewVisible, postVisible: a
// PUBLISHED one, or their own). Each concept that attaches media widens
// this rule with its own visibility when it adds its edge: until it does,
// nothing but the owner and staff sees its media, so a new parent can
// never leak media by forgetting to.
func ScopeMedia() privacy.QueryRule {
	return privacy.MediaQueryRuleFunc(func(ctx context.Context, q *ent.MediaQuery) error {
		// Media attached to a review or a post is seen by whoever sees it
		// (anonymous viewers of a published one included); the rest only
		// by its owner and staff.
		attached := media.Or(media.HasReviewWith(reviewVisible(ctx)), media.HasPostWith(postVisible(ctx)))
		cid, filter, deny := CustomerScope(ctx)
		if deny != nil {
			if _, ok := auth.FromContext(ctx); ok {
				return deny // a role that sees no media
			}
			q.Where(attached) // anonymous
			return privacy.Allow
		}
		if filter {
			q.Where(media.Or(media.OwnerCustomerID(cid), attached))
		}
		return privacy.Allow
	})
}
