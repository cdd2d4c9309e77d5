package reviews

import (
	"context"
	"io"
	"strconv"

	"entgo.io/contrib/entgql"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/review"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// RatingCount is one bar of a summary's histogram.
type RatingCount struct {
	Rating int
	Count  int
}

// Summary is a product's published reviews in figures (GraphQL
// ReviewSummary).
type Summary struct {
	// AverageRating is 0 when there are no reviews.
	AverageRating float64
	Count         int
	VerifiedCount int
	// Histogram has one entry per rating, 1 to 5, zeros included.
	Histogram []RatingCount
}

// ProductSummary counts a product's PUBLISHED reviews, whoever asks: an
// author's own pending review shows in their list but never in the
// figures everyone sees. One grouped statement.
func (s *Service) ProductSummary(ctx context.Context, productID int) (*Summary, error) {
	var rows []struct {
		Rating   int `json:"rating"`
		Count    int `json:"count"`
		Verified int `json:"verified"`
	}
	err := s.db.Review.Query().
		Where(review.ProductID(productID), review.StatusEQ(types.ModerationPublished)).
		GroupBy(review.FieldRating).
		Aggregate(ent.Count(), func(sel *entsql.Selector) string {
			return entsql.As("SUM(CASE WHEN "+sel.C(review.FieldVerifiedBuyer)+" THEN 1 ELSE 0 END)", "verified")
		}).
		Scan(auth.WithSystem(ctx), &rows)
	if err != nil {
		return nil, err
	}
	out := &Summary{Histogram: make([]RatingCount, 5)}
	total := 0
	for i := range out.Histogram {
		out.Histogram[i].Rating = i + 1
	}
	for _, r := range rows {
		if r.Rating >= 1 && r.Rating <= 5 {
			out.Histogram[r.Rating-1].Count = r.Count
		}
		out.Count += r.Count
		out.VerifiedCount += r.Verified
		total += r.Rating * r.Count
	}
	if out.Count > 0 {
		out.AverageRating = float64(total) / float64(out.Count)
	}
	return out, nil
}

// Sort orders a product's reviews (GraphQL ReviewSort).
type Sort string

// The sorts.
const (
	SortNewest      Sort = "NEWEST"
	SortOldest      Sort = "OLDEST"
	SortHighest     Sort = "HIGHEST"
	SortLowest      Sort = "LOWEST"
	SortMostHelpful Sort = "MOST_HELPFUL"
)

var sorts = map[Sort]*ent.ReviewOrder{
	SortNewest:      {Direction: entgql.OrderDirectionDesc, Field: ent.ReviewOrderFieldCreatedAt},
	SortOldest:      {Direction: entgql.OrderDirectionAsc, Field: ent.ReviewOrderFieldCreatedAt},
	SortHighest:     {Direction: entgql.OrderDirectionDesc, Field: ent.ReviewOrderFieldRating},
	SortLowest:      {Direction: entgql.OrderDirectionAsc, Field: ent.ReviewOrderFieldRating},
	SortMostHelpful: {Direction: entgql.OrderDirectionDesc, Field: ent.ReviewOrderFieldHelpfulCount},
}

// MarshalGQL writes the sort as a GraphQL enum value.
func (s Sort) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *Sort) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	if _, ok := sorts[Sort(str)]; !ok {
		return errs.Invalid("sort", "%q is not a ReviewSort", v)
	}
	*s = Sort(str)
	return nil
}

// Filter narrows a product's reviews (GraphQL ReviewFilter).
type Filter struct {
	Ratings      []int `json:"ratings,omitempty"`
	WithMedia    *bool `json:"withMedia,omitempty"`
	VerifiedOnly *bool `json:"verifiedOnly,omitempty"`
}

// Page is a connection page request.
type Page struct {
	After, Before *entgql.Cursor[int]
	First, Last   *int
}

// ProductReviews lists a product's reviews the viewer may see (privacy
// filters the rest, totalCount included).
func (s *Service) ProductReviews(ctx context.Context, productID int, p Page, sort Sort, f *Filter) (*ent.ReviewConnection, error) {
	q := s.db.Review.Query().Where(review.ProductID(productID))
	if f != nil {
		if len(f.Ratings) > 0 {
			for _, r := range f.Ratings {
				if r < 1 || r > 5 {
					return nil, errs.Invalid("filter.ratings", "ratings are 1 to 5, got %d", r)
				}
			}
			q.Where(review.RatingIn(f.Ratings...))
		}
		if f.WithMedia != nil {
			q.Where(review.HasMedia(*f.WithMedia))
		}
		if f.VerifiedOnly != nil && *f.VerifiedOnly {
			q.Where(review.VerifiedBuyer(true))
		}
	}
	order, ok := sorts[sort]
	if !ok {
		order = sorts[SortNewest]
	}
	if order.Field == ent.ReviewOrderFieldHelpfulCount {
		zeroValueCursors(p)
	}
	return s.withPurchaseLines(ctx)(withMedia(q).Paginate(ctx, p.After, p.First, p.Before, p.Last, ent.WithReviewOrder(order)))
}

// zeroValueCursors puts a helpful count of 0 back into p's cursors.
// entgql encodes a cursor's order value with msgpack omitempty, so a page
// ending on a review without votes has a cursor that carries its id alone,
// and a cursor without a value pages by id only, ignoring the sort: the
// next page repeated reviews and skipped others. Every cursor of this
// sort had a value when written, so a missing one is 0.
func zeroValueCursors(p Page) {
	for _, c := range []*entgql.Cursor[int]{p.After, p.Before} {
		if c != nil && c.Value == nil {
			c.Value = 0
		}
	}
}

// Featured lists the showcase: featured PUBLISHED reviews, newest first.
func (s *Service) Featured(ctx context.Context, p Page) (*ent.ReviewConnection, error) {
	return s.withPurchaseLines(ctx)(withMedia(s.db.Review.Query().
		Where(review.Featured(true), review.StatusEQ(types.ModerationPublished))).
		Paginate(ctx, p.After, p.First, p.Before, p.Last, ent.WithReviewOrder(sorts[SortNewest])))
}

// AwaitingReply lists, for staff, the negative reviews (1 or 2 stars) the
// store has not replied to, oldest first: the ones to answer next.
// Rejected and hidden reviews are left out (nobody else sees them).
func (s *Service) AwaitingReply(ctx context.Context, p Page) (*ent.ReviewConnection, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return s.withPurchaseLines(ctx)(withMedia(s.db.Review.Query().
		Where(review.RatingLTE(2), review.MerchantReplied(false),
			review.StatusIn(types.ModerationPublished, types.ModerationPending))).
		Paginate(ctx, p.After, p.First, p.Before, p.Last, ent.WithReviewOrder(sorts[SortOldest])))
}

// PurchaseLine is the order line that made r's author a verified buyer, for
// the author and staff; nil for anyone else and for unverified reviews.
// Lists load the lines of a whole page at once (withPurchaseLines); a
// review read alone (node(id:), a mutation's payload) costs one statement.
// The line is read as system: the order-line policy scopes lines by order
// ownership, a different question; who sees this one is this rule's to say.
func (s *Service) PurchaseLine(ctx context.Context, r *ent.Review) (*ent.OrderItem, error) {
	if r.OrderItemID == nil || !seesPurchase(ctx, r) {
		return nil, nil
	}
	if line := r.Edges.OrderItem; line != nil && line.ID == *r.OrderItemID {
		return line, nil
	}
	return s.db.OrderItem.Get(auth.WithSystem(ctx), *r.OrderItemID)
}

// withPurchaseLines returns a function that completes a page of reviews
// with the order lines PurchaseLine will show, in one statement for the
// page instead of one per review: all of them for staff (the awaiting-reply
// and admin screens), at most one for a customer (their own review of the
// product; others' lines are never shown to them), none for anyone else.
// A page the viewer sees no line on costs nothing. It reads the lines whether
// or not the query asks for orderItem: the package knows no GraphQL, and
// the statement is only ever made for staff or an author on the page.
func (s *Service) withPurchaseLines(ctx context.Context) func(*ent.ReviewConnection, error) (*ent.ReviewConnection, error) {
	return func(conn *ent.ReviewConnection, err error) (*ent.ReviewConnection, error) {
		if err != nil || conn == nil {
			return conn, err
		}
		var ids []int
		for _, e := range conn.Edges {
			if r := e.Node; r != nil && r.OrderItemID != nil && seesPurchase(ctx, r) {
				ids = append(ids, *r.OrderItemID)
			}
		}
		if len(ids) == 0 {
			return conn, nil
		}
		lines, err := s.db.OrderItem.Query().Where(orderitem.IDIn(ids...)).All(auth.WithSystem(ctx))
		if err != nil {
			return nil, err
		}
		byID := make(map[int]*ent.OrderItem, len(lines))
		for _, l := range lines {
			byID[l.ID] = l
		}
		for _, e := range conn.Edges {
			if r := e.Node; r != nil && r.OrderItemID != nil && seesPurchase(ctx, r) {
				r.Edges.OrderItem = byID[*r.OrderItemID]
			}
		}
		return conn, nil
	}
}

// seesPurchase reports whether the viewer in ctx may see which order line
// made r's author a verified buyer: the author and staff only.
func seesPurchase(ctx context.Context, r *ent.Review) bool {
	if auth.IsSystem(ctx) {
		return true
	}
	v, ok := auth.FromContext(ctx)
	return ok && (v.IsStaff() || v.IsCustomer() && v.CustomerID == r.CustomerID)
}

// ViewerReview is the signed-in customer's own review of a product, in
// any status, or nil: for anyone else, or when they wrote none. A product
// page shows "your review" from it without searching the pages of
// reviews for it (one review per customer per product, so one row).
func (s *Service) ViewerReview(ctx context.Context, productID int) (*ent.Review, error) {
	v, ok := auth.FromContext(ctx)
	if !ok || !v.IsCustomer() || v.CustomerID == 0 {
		return nil, nil
	}
	q, err := s.db.Review.Query().Where(review.ProductID(productID), review.CustomerID(v.CustomerID)).CollectFields(ctx)
	if err != nil {
		return nil, err
	}
	r, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return r, err
}
