package reviews

import (
	"context"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/ent/review"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/shipmentitem"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// Limits are the per-customer write limits.
type Limits struct {
	Reviews, Replies, Votes ratelimit.Rate
}

// DefaultLimits let a real customer do anything they plausibly would (a
// review after each delivery, a conversation in a thread, voting down a
// product page) and stop a script within a few requests.
var DefaultLimits = Limits{
	Reviews: ratelimit.Rate{Burst: 5, Every: 10 * time.Minute},
	Replies: ratelimit.Rate{Burst: 10, Every: time.Minute},
	Votes:   ratelimit.Rate{Burst: 30, Every: 10 * time.Second},
}

// Config is the store's review settings.
type Config struct {
	// RequirePurchase refuses reviews from customers without a delivered
	// order line of the product.
	RequirePurchase bool
	// StoreName signs the store's replies.
	StoreName string
	// Limits are the per-customer write limits; the zero value means
	// DefaultLimits.
	Limits *Limits
	// Clock times edits and rate limits; nil is the real clock.
	Clock clockwork.Clock
	// Media attaches uploads to reviews (server/media); nil refuses
	// reviews with media.
	Media Attacher
}

// Service writes reviews, replies and votes. It is safe for concurrent use.
type Service struct {
	db                      *db.DB
	broker                  pubsub.Broker
	mod                     *moderation.Service
	cfg                     Config
	reviews, replies, votes *ratelimit.Limiter
}

// NewService returns the reviews service and registers reviews with the
// moderation core.
func NewService(d *db.DB, broker pubsub.Broker, mod *moderation.Service, cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	lim := DefaultLimits
	if cfg.Limits != nil {
		// A zero rate in the override keeps the default (tests override
		// one limit at a time).
		for _, r := range []struct{ dst, src *ratelimit.Rate }{
			{&lim.Reviews, &cfg.Limits.Reviews}, {&lim.Replies, &cfg.Limits.Replies}, {&lim.Votes, &cfg.Limits.Votes},
		} {
			if r.src.Valid() {
				*r.dst = *r.src
			}
		}
	}
	if cfg.StoreName == "" {
		cfg.StoreName = "The store"
	}
	s := &Service{db: d, broker: broker, mod: mod, cfg: cfg,
		reviews: ratelimit.New("reviews", lim.Reviews, cfg.Clock),
		replies: ratelimit.New("replies", lim.Replies, cfg.Clock),
		votes:   ratelimit.New("votes", lim.Votes, cfg.Clock),
	}
	mod.Register(kind{s: s})
	return s
}

// WriteInput is a new review (GraphQL WriteReviewInput).
type WriteInput struct {
	ProductID int     `json:"productId"`
	Rating    int     `json:"rating"`
	Title     *string `json:"title,omitempty"`
	Body      string  `json:"body"`
	MediaIDs  []int   `json:"mediaIds,omitempty"`
}

// WriteResult carries the review as its author sees it (GraphQL
// WriteReviewPayload, EditReviewPayload, MarkReviewHelpfulPayload,
// FeatureReviewPayload).
type WriteResult struct {
	Review *ent.Review
}

// now is the service clock's time without its monotonic reading. The
// embedded SQLite driver stores a time.Time as its String(), which ends
// with the monotonic reading ("m=+1.5") when there is one; a connection
// cursor's time (decoded without one) then never equals the stored text,
// and a page that ended between two reviews written at the same instant
// skipped the rest of them.
func (s *Service) now() time.Time { return s.cfg.Clock.Now().Round(0) }

// customer returns the signed-in customer's id: reviews are written by
// customers, not staff.
func customer(ctx context.Context) (*auth.Viewer, error) {
	return auth.RequireCustomer(ctx, "only customers do this; staff reply, feature and moderate")
}

// Write publishes or queues a new review (see InitialStatus). Errors:
// INVALID_INPUT for a bad rating, an empty body, too many media or a
// blocked word; NOT_FOUND for an unknown product; CONFLICT for a second
// review of the same product; FORBIDDEN for staff, or without a purchase
// when the store requires one; THROTTLED past the rate limit.
func (s *Service) Write(ctx context.Context, in WriteInput) (*WriteResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	c, err := checkContent(in.Rating, in.Title, in.Body, in.MediaIDs)
	if err != nil {
		return nil, err
	}
	m, err := s.mod.Matcher(ctx)
	if err != nil {
		return nil, err
	}
	verdict, err := checkWords(m, c.title, c.body)
	if err != nil {
		return nil, err
	}
	if err := s.reviews.Allow(v.Subject); err != nil {
		return nil, err
	}
	var id int
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if ok, err := tx.Product.Query().Where(product.ID(in.ProductID)).Exist(ctx); err != nil {
			return err
		} else if !ok {
			return errs.Errorf(errs.NotFound, "product %d not found", in.ProductID)
		}
		if ok, err := tx.Review.Query().Where(review.ProductID(in.ProductID), review.CustomerID(v.CustomerID)).Exist(ctx); err != nil {
			return err
		} else if ok {
			return errs.Errorf(errs.Conflict, "you have already reviewed this product: edit that review instead")
		}
		cu, err := tx.Customer.Get(ctx, v.CustomerID)
		if err != nil {
			return err
		}
		line, err := deliveredLine(ctx, tx, v.CustomerID, in.ProductID)
		if err != nil {
			return err
		}
		if line == nil && s.cfg.RequirePurchase {
			return errs.Errorf(errs.Forbidden, "this store takes reviews from customers who received the product")
		}
		status := InitialStatus(line != nil, verdict)
		r, err := tx.Review.Create().
			SetProductID(in.ProductID).
			SetCustomerID(v.CustomerID).
			SetNillableOrderItemID(line).
			SetRating(c.rating).
			SetNillableTitle(c.title).
			SetBody(c.body).
			SetNillableCensoredTitle(m.CensorPtr(c.title)).
			SetNillableCensoredBody(m.Censor(c.body)).
			SetStatus(status).
			SetVerifiedBuyer(line != nil).
			SetAuthorName(moderation.DisplayName(cu.FirstName, cu.LastName)).
			SetWatchedWords(verdict.Watched()).
			SetCreatedAt(s.now()).
			SetUpdatedAt(s.now()).
			Save(ctx)
		if err != nil {
			return err
		}
		if len(in.MediaIDs) > 0 {
			if err := s.setMedia(ctx, tx, r, in.MediaIDs); err != nil {
				return err
			}
		}
		id = r.ID
		if err := s.recordRule(ctx, tx, r, types.ModerationPending, status, line != nil, verdict); err != nil {
			return err
		}
		return s.mod.QueueMoved(ctx, tx, "Review", r.ID, false, moderation.InQueue(status, false))
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, id)
}

// recordRule writes the publishing rule's outcome to the trail, so that
// staff see why a review went up at once or waits.
func (s *Service) recordRule(ctx context.Context, tx *ent.Tx, r *ent.Review, from, to types.ModerationStatus, verified bool, v moderation.Verdict) error {
	reason := "verified buyer; no watched word needs approval"
	if to != types.ModerationPublished {
		reason = holdReason(verified, v)
	}
	cid := r.CustomerID
	_, err := s.mod.Record(ctx, tx, "Review", moderation.Item{ID: r.ID, Status: from, AuthorID: &cid}, nil, to, &reason, moderation.AutoActor)
	return err
}

// reload reads a review as the viewer in ctx sees it.
func (s *Service) reload(ctx context.Context, id int) (*WriteResult, error) {
	r, err := s.db.Review.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &WriteResult{Review: r}, nil
}

// deliveredLine returns the customer's order line of the product in a
// shipment the carrier delivered, or nil.
func deliveredLine(ctx context.Context, tx *ent.Tx, customerID, productID int) (*int, error) {
	ids, err := tx.OrderItem.Query().
		Where(
			orderitem.ProductID(productID),
			orderitem.HasOrderWith(order.CustomerID(customerID)),
			orderitem.HasShipmentItemsWith(shipmentitem.HasShipmentWith(shipment.StatusEQ(types.TrackingDelivered))),
		).
		Order(orderitem.ByID()).
		Limit(1).
		IDs(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return &ids[0], nil
}

// lock reads a review for update, so that writers of one review (replies,
// moderation, edits) take turns: the reply feed's cursors then follow
// commit order.
func (s *Service) lock(ctx context.Context, tx *ent.Tx, id int) (*ent.Review, error) {
	q := tx.Review.Query().Where(review.ID(id))
	if s.db.LockForUpdate() {
		q = q.ForUpdate()
	}
	r, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "review %d not found", id)
	}
	return r, err
}

// visibleTo reports whether v may see r (the privacy rule, restated for
// rows read as system inside a transaction).
func visibleTo(v *auth.Viewer, r *ent.Review) bool {
	return v.IsStaff() || r.Status == types.ModerationPublished || v.IsCustomer() && v.CustomerID == r.CustomerID
}

// WatchedWords are the watched words r matched when last written, for
// staff; empty for anyone else.
func WatchedWords(ctx context.Context, r *ent.Review) []string {
	if auth.RequireStaff(ctx) != nil || r.WatchedWords == nil {
		return []string{}
	}
	return r.WatchedWords
}
