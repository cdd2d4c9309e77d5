// Package graph is aftercart's GraphQL adapter: the gqlgen executor
// (generated.go), thin resolvers that decode, call one concept package and
// return, the error presenter, and the HTTP handler assembly. Business rules
// live in server/; authorization lives in ent's privacy policies and the
// concept packages.
package graph

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/catalog"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/hooks"
	"github.com/aftercart/aftercart/server/loyalty"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/money"
	"github.com/aftercart/aftercart/server/notify"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/reviews"
	"github.com/aftercart/aftercart/server/support"
	"github.com/aftercart/aftercart/server/tracking"
)

// Resolver holds the resolvers' dependencies.
type Resolver struct {
	// Client reads through ent (privacy applies).
	Client *ent.Client
	// Orders imports orders.
	Orders *orders.Service
	// Tracking creates shipments and records carrier events.
	Tracking *tracking.Service
	// Shipments streams an order's shipment changes (on the live engine).
	Shipments *tracking.ShipmentFeed
	// Uploads stores, serves and attaches media.
	Uploads *media.Service
	// Reviews writes and lists reviews.
	Reviews *reviews.Service
	// ReviewReplies streams a review's new replies (on the live engine).
	ReviewReplies *reviews.ReplyFeed
	// Moderation is the moderation core: decisions, queue, watched words.
	Moderation *moderation.Service
	// Community writes and lists topics and posts.
	Community *community.Service
	// Posts streams topics' visible posts: postAdded, postChanged (on the
	// live engine).
	Posts *community.PostFeeds
	// Comments streams a post's comment changes (on the live engine).
	Comments *community.CommentFeed
	// Queue streams the moderation queue's moves (on the live engine).
	Queue *moderation.QueueFeed
	// Program is the loyalty program: standing, rewards, codes, staff tools.
	Program *loyalty.Service
	// LoyaltyFeed streams customers' loyalty changes (on the live engine).
	LoyaltyFeed *loyalty.Feed
	// Referrals is the loyalty program's referrals: codes, claims, staff
	// decisions.
	Referrals *loyalty.Referrals
	// Outbox is the outbox (server/notify): staff's list, previews, retries, templates.
	Outbox *notify.Service
	// Hooks is the outbound store webhooks (server/hooks): endpoints,
	// delivery log, replay.
	Hooks *hooks.Service
	// Notifications streams customers' new in-app notifications (on the
	// live engine).
	Notifications *notify.NotificationFeed
	// Catalog is staff's product content, category content, reorder
	// intervals and complements (server/catalog).
	Catalog *catalog.Service
	// Support records customers' contacts with the store's support.
	Support *support.Service
}

// amount makes a Money of minor units in currency.
func amount(minor int64, currency string) *money.Money {
	return &money.Money{Minor: minor, Currency: currency}
}

// viewerCustomer returns the signed-in customer, or nil for staff.
func viewerCustomer(ctx context.Context, c *ent.Client) (*ent.Customer, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Errorf(errs.Unauthenticated, "sign in to see this")
	}
	if !v.IsCustomer() {
		return nil, nil
	}
	q, err := c.Customer.Query().Where(customer.ID(v.CustomerID)).CollectFields(ctx)
	if err != nil {
		return nil, err
	}
	cu, err := q.Only(ctx)
	return cu, notFound(err, "no customer with email %s", v.Email)
}
