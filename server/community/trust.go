package community

import (
	"context"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/moderationdecision"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/server/moderation"
)

// Record is what the trust rule knows of a customer.
type Record struct {
	// Override is staff's setting (AUTO leaves it to the rule).
	Override types.CommunityTrust
	// DeliveredOrder: a shipment of one of the customer's orders was
	// delivered.
	DeliveredOrder bool
	// Approved counts staff decisions that published the customer's posts
	// (APPROVE, RESTORE).
	Approved int
	// Removed counts staff decisions that took the customer's posts or
	// comments down (REJECT, HIDE).
	Removed int
}

// Trusted is the trust rule (see the package documentation): staff's
// override wins; otherwise a customer with a delivered order or with
// approved posts is trusted, unless staff removed more of their content
// than they approved.
func Trusted(r Record) bool {
	switch r.Override {
	case types.TrustTrusted:
		return true
	case types.TrustRestricted:
		return false
	}
	if r.Removed > r.Approved {
		return false
	}
	return r.DeliveredOrder || r.Approved > 0
}

// InitialStatus is the publishing rule of a post: a trusted author's post
// that no watched word holds is published at once; any other waits.
func InitialStatus(trusted bool, v moderation.Verdict) types.ModerationStatus {
	if trusted && !v.Hold() {
		return types.ModerationPublished
	}
	return types.ModerationPending
}

// holdReason explains a PENDING outcome for the trail.
func holdReason(r Record, v moderation.Verdict) string {
	var why []string
	switch {
	case r.Override == types.TrustRestricted:
		why = append(why, "staff set the author's trust to RESTRICTED")
	case r.Override == types.TrustTrusted:
	case r.Removed > r.Approved:
		why = append(why, "staff removed more of the author's content than they approved")
	case !r.DeliveredOrder && r.Approved == 0:
		why = append(why, "a new author: no delivered order and no approved post yet")
	}
	if v.Hold() {
		why = append(why, "watched words need approval: "+strings.Join(v.RequireApproval, ", "))
	}
	return strings.Join(why, "; ")
}

// record reads c's trust record in tx: the override from the customer
// row, a delivered order, and the trail's staff decisions about their
// community content (one grouped statement).
func record(ctx context.Context, tx *ent.Tx, c *ent.Customer) (Record, error) {
	r := Record{Override: c.CommunityTrust}
	var err error
	r.DeliveredOrder, err = tx.Shipment.Query().
		Where(shipment.StatusEQ(types.TrackingDelivered), shipment.HasOrderWith(order.CustomerID(c.ID))).
		Exist(ctx)
	if err != nil {
		return r, err
	}
	var rows []struct {
		ItemType string `json:"item_type"`
		Action   string `json:"action"`
		Count    int    `json:"count"`
	}
	err = tx.ModerationDecision.Query().
		Where(moderationdecision.AuthorID(c.ID),
			moderationdecision.ItemTypeIn(postType, commentType),
			moderationdecision.ActionNotNil()).
		GroupBy(moderationdecision.FieldItemType, moderationdecision.FieldAction).
		Aggregate(ent.Count()).
		Scan(ctx, &rows)
	if err != nil {
		return r, err
	}
	for _, row := range rows {
		switch types.ModerationAction(row.Action) {
		case types.ModerationApprove, types.ModerationRestore:
			if row.ItemType == postType {
				r.Approved += row.Count
			}
		case types.ModerationReject, types.ModerationHide:
			r.Removed += row.Count
		}
	}
	return r, nil
}

// Moderatable type names in the trail.
const (
	postType    = "Post"
	commentType = "Comment"
)
