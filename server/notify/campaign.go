package notify

import (
	"context"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/campaign"
	"github.com/aftercart/aftercart/ent/loyaltytier"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// Campaigns (issue 13's communication calendar): staff write a one-off
// CAMPAIGN email with its own templates, aim it at a Segment, schedule it,
// and may cancel it until it goes. The campaign sweep (campaign_sweep.go)
// queues its messages when it is due. The rules:
//
//   - a campaign's templates are validated when saved, against a sample
//     of CampaignVars, exactly like a kind's (Validate), so a template
//     error is found by staff, never by the sweep;
//   - DRAFT and SCHEDULED campaigns can be changed, scheduled and
//     canceled; SENDING, SENT and CANCELED ones cannot (CONFLICT): once
//     the first batch is queued its messages are on their way, and a
//     guarded status update (WHERE status IN (DRAFT, SCHEDULED)) is what
//     decides a race between cancel and the sweep;
//   - a campaign email is marketing (Msg.Marketing): consent and the
//     weekly cap apply, through the gates.

// CampaignVars is what a campaign's templates can use.
type CampaignVars struct {
	// StoreName is the store's name (-store-name).
	StoreName string
	// FirstName is the customer's first name, or "there" when the store
	// sent none.
	FirstName string
	// LastName is the customer's last name (may be empty).
	LastName string
	// Email is the customer's email address.
	Email string
}

// campaignSample is CampaignVars' sample for validation: every field set.
var campaignSample = CampaignVars{StoreName: "Sample Store", FirstName: "Mina", LastName: "Okafor", Email: "mina@example.com"}

// Segment is who a campaign reaches: every condition set must hold; none
// set reaches every customer.
type Segment struct {
	// LastOrderOlderThanDays, when set, keeps customers who have ordered
	// but not within this many days.
	LastOrderOlderThanDays *int
	// Tier, when set, keeps customers in the loyalty tier of this name.
	Tier *string
	// Category, when set, keeps customers who bought a product of this
	// category (case-insensitive).
	Category *string
}

// CampaignInput is a campaign's content and segment, as staff write it.
type CampaignInput struct {
	// Name is staff's name for it.
	Name string
	// Template is its subject, HTML and text.
	Template
	// Segment is who it reaches.
	Segment Segment
}

// maxSegmentDays bounds LastOrderOlderThanDays (ten years).
const maxSegmentDays = 3650

// scheduleSlack is how far in the past a schedule may be (a form
// submitted a little late); anything older is a mistake, not "now".
const scheduleSlack = time.Minute

// checkCampaign validates in (templates included) and normalizes its
// segment. Errors are INVALID_INPUT naming the field.
func (s *Service) checkCampaign(ctx context.Context, in *CampaignInput) error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 200 {
		return errs.Invalid("name", "must be 1 to 200 characters")
	}
	if err := validateCampaignTemplate(in.Template); err != nil {
		return err
	}
	seg := &in.Segment
	if d := seg.LastOrderOlderThanDays; d != nil && (*d < 1 || *d > maxSegmentDays) {
		return errs.Invalid("segment.lastOrderOlderThanDays", "must be between 1 and %d", maxSegmentDays)
	}
	seg.Category = trimmedOrNil(seg.Category)
	if seg.Category != nil && len(*seg.Category) > 200 {
		return errs.Invalid("segment.category", "must be at most 200 characters")
	}
	seg.Tier = trimmedOrNil(seg.Tier)
	if seg.Tier != nil {
		ok, err := s.db.LoyaltyTier.Query().Where(loyaltytier.Name(*seg.Tier)).Exist(auth.WithSystem(ctx))
		if err != nil {
			return err
		}
		if !ok {
			return errs.Invalid("segment.tier", "there is no loyalty tier named %q", *seg.Tier)
		}
	}
	return nil
}

// validateCampaignTemplate is Validate for a campaign's templates.
func validateCampaignTemplate(t Template) error {
	c, err := parse(t)
	if err != nil {
		return err
	}
	r, err := c.execute(campaignSample)
	if err != nil {
		return err
	}
	if r.Subject == "" {
		return errs.Invalid("subject", "renders empty")
	}
	return nil
}

// trimmedOrNil is *p trimmed, or nil when p is nil or blank.
func trimmedOrNil(p *string) *string {
	if p == nil {
		return nil
	}
	v := strings.TrimSpace(*p)
	if v == "" {
		return nil
	}
	return &v
}

// CreateCampaign validates in and saves it as a DRAFT. Staff only.
func (s *Service) CreateCampaign(ctx context.Context, in CampaignInput) (*ent.Campaign, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if err := s.checkCampaign(ctx, &in); err != nil {
		return nil, err
	}
	actor := "system"
	if v, ok := auth.FromContext(ctx); ok {
		actor = v.Subject
	}
	var id int
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		c, err := tx.Campaign.Create().SetName(in.Name).SetSubject(in.Subject).SetHTML(in.HTML).SetText(in.Text).
			SetNillableSegmentLastOrderDays(in.Segment.LastOrderOlderThanDays).SetNillableSegmentTier(in.Segment.Tier).
			SetNillableSegmentCategory(in.Segment.Category).SetCreatedBy(actor).
			SetCreatedAt(s.now()).SetUpdatedAt(s.now()).Save(ctx)
		if err == nil {
			id = c.ID
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.db.Campaign.Get(auth.WithSystem(ctx), id)
}

// UpdateCampaign replaces a DRAFT or SCHEDULED campaign's content and
// segment. Staff only; anything else is CONFLICT.
func (s *Service) UpdateCampaign(ctx context.Context, id int, in CampaignInput) (*ent.Campaign, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if err := s.checkCampaign(ctx, &in); err != nil {
		return nil, err
	}
	return s.changeCampaign(ctx, id, "changed", func(u *ent.CampaignUpdate) {
		u.SetName(in.Name).SetSubject(in.Subject).SetHTML(in.HTML).SetText(in.Text)
		u.ClearSegmentLastOrderDays().ClearSegmentTier().ClearSegmentCategory()
		u.SetNillableSegmentLastOrderDays(in.Segment.LastOrderOlderThanDays).SetNillableSegmentTier(in.Segment.Tier).
			SetNillableSegmentCategory(in.Segment.Category)
	})
}

// ScheduleCampaign makes a DRAFT or SCHEDULED campaign go at at. Staff
// only; a time more than a minute ago is INVALID_INPUT; a campaign past
// SCHEDULED is CONFLICT.
func (s *Service) ScheduleCampaign(ctx context.Context, id int, at time.Time) (*ent.Campaign, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if at.Before(s.now().Add(-scheduleSlack)) {
		return nil, errs.Invalid("at", "is in the past")
	}
	return s.changeCampaign(ctx, id, "scheduled", func(u *ent.CampaignUpdate) {
		u.SetStatus(campaign.StatusSCHEDULED).SetScheduledAt(at.UTC().Round(0))
	})
}

// CancelCampaign cancels a DRAFT or SCHEDULED campaign: nothing of it is
// ever sent. Staff only; once SENDING or SENT it is CONFLICT.
func (s *Service) CancelCampaign(ctx context.Context, id int) (*ent.Campaign, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return s.changeCampaign(ctx, id, "canceled", func(u *ent.CampaignUpdate) {
		u.SetStatus(campaign.StatusCANCELED).SetCanceledAt(s.now())
	})
}

// changeCampaign applies change to campaign id if it is still DRAFT or
// SCHEDULED, in one guarded update: the sweep moves a campaign to
// SENDING with the opposite guard, so exactly one of them wins.
func (s *Service) changeCampaign(ctx context.Context, id int, what string, change func(*ent.CampaignUpdate)) (*ent.Campaign, error) {
	ctx = auth.WithSystem(ctx)
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		u := tx.Campaign.Update().Where(campaign.ID(id),
			campaign.StatusIn(campaign.StatusDRAFT, campaign.StatusSCHEDULED)).SetUpdatedAt(s.now())
		change(u)
		n, err := u.Save(ctx)
		if err != nil || n == 1 {
			return err
		}
		c, err := tx.Campaign.Get(ctx, id)
		if ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "no campaign %d", id)
		}
		if err != nil {
			return err
		}
		return errs.Errorf(errs.Conflict, "a %s campaign cannot be %s", c.Status, what)
	})
	if err != nil {
		return nil, err
	}
	return s.db.Campaign.Get(ctx, id)
}

// CampaignSegment is c's segment.
func CampaignSegment(c *ent.Campaign) Segment {
	return Segment{LastOrderOlderThanDays: c.SegmentLastOrderDays, Tier: c.SegmentTier, Category: c.SegmentCategory}
}
