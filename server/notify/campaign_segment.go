package notify

import (
	"context"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/campaign"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/loyaltytier"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// Predicates is seg as customer predicates at now, for one SQL query
// (the sweep's batches and the audience's count read the same rule).
func (seg Segment) Predicates(now time.Time) []predicate.Customer {
	var ps []predicate.Customer
	if d := seg.LastOrderOlderThanDays; d != nil {
		cutoff := now.AddDate(0, 0, -*d)
		ps = append(ps, customer.HasOrders(), customer.Not(customer.HasOrdersWith(order.PlacedAtGT(cutoff))))
	}
	if seg.Category != nil {
		ps = append(ps, customer.HasOrdersWith(order.HasItemsWith(orderitem.HasProductWith(product.CategoryEqualFold(*seg.Category)))))
	}
	if seg.Tier != nil {
		name := *seg.Tier
		// Customer has no edge to its loyalty account (the account points
		// at the customer), so the tier is a subquery.
		ps = append(ps, predicate.Customer(func(s *entsql.Selector) {
			a, t := entsql.Table(loyaltyaccount.Table), entsql.Table(loyaltytier.Table)
			in := entsql.Select(a.C(loyaltyaccount.FieldCustomerID)).From(a).
				Join(t).On(a.C(loyaltyaccount.FieldTierID), t.C(loyaltytier.FieldID)).
				Where(entsql.EQ(t.C(loyaltytier.FieldName), name))
			s.Where(entsql.In(s.C(customer.FieldID), in))
		}))
	}
	return ps
}

// Audience is who a segment reaches now.
type Audience struct {
	// Count is how many customers it reaches.
	Count int
	// First are the first of them by id.
	First []*ent.Customer
}

// maxAudienceList bounds Audience.First.
const maxAudienceList = 100

// Audience is who seg reaches now: the count and the first n customers
// by id. Staff only.
func (s *Service) Audience(ctx context.Context, seg Segment, n int) (*Audience, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if n < 0 || n > maxAudienceList {
		return nil, errs.Invalid("first", "must be between 0 and %d", maxAudienceList)
	}
	in := CampaignInput{Name: "audience", Template: Template{Subject: "-", Text: "-"}, Segment: seg}
	if err := s.checkCampaign(ctx, &in); err != nil {
		return nil, err
	}
	ctx = auth.WithSystem(ctx)
	q := s.db.Customer.Query().Where(in.Segment.Predicates(s.now())...)
	count, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, err
	}
	first, err := q.Order(ent.Asc(customer.FieldID)).Limit(n).All(ctx)
	if err != nil {
		return nil, err
	}
	return &Audience{Count: count, First: first}, nil
}

// CampaignPreview is campaign c rendered for customerID, or for the first
// customer of its audience when customerID is nil (NOT_FOUND when it
// reaches nobody). Staff only.
func (s *Service) CampaignPreview(ctx context.Context, c *ent.Campaign, customerID *int) (Rendered, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return Rendered{}, err
	}
	ctx = auth.WithSystem(ctx)
	var cu *ent.Customer
	var err error
	if customerID != nil {
		cu, err = s.db.Customer.Get(ctx, *customerID)
	} else {
		cu, err = s.db.Customer.Query().Where(CampaignSegment(c).Predicates(s.now())...).
			Order(ent.Asc(customer.FieldID)).First(ctx)
	}
	if ent.IsNotFound(err) {
		return Rendered{}, errs.Errorf(errs.NotFound, "no such customer to preview the campaign for")
	}
	if err != nil {
		return Rendered{}, err
	}
	ct, err := parse(Template{Subject: c.Subject, HTML: c.HTML, Text: c.Text})
	if err != nil {
		return Rendered{}, err
	}
	return ct.execute(s.campaignVars(cu))
}

// campaignVars are customer cu's CampaignVars.
func (s *Service) campaignVars(cu *ent.Customer) CampaignVars {
	v := CampaignVars{StoreName: s.cfg.StoreName, FirstName: cu.FirstName, LastName: cu.LastName, Email: cu.Email}
	if v.FirstName == "" {
		v.FirstName = "there"
	}
	return v
}

// campaignsDue are the SCHEDULED campaigns whose time has come, and the
// SENDING ones (a sweep that stopped half-way is finished by the next).
func campaignsDue(now time.Time) predicate.Campaign {
	return campaign.Or(
		campaign.And(campaign.StatusEQ(campaign.StatusSCHEDULED), campaign.ScheduledAtLTE(now)),
		campaign.StatusEQ(campaign.StatusSENDING))
}
