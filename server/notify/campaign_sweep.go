package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/campaign"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
)

// campaignBatch is how many customers one transaction of the campaign
// sweep queues: short transactions (SQLite has one writer; the server's
// requests wait behind each), and a sweep that stops half-way (a crash, a
// shutdown) loses at most one uncommitted batch, which the next sweep
// queues again from the campaign's cursor.
var campaignBatch = 200

// sweepCampaigns queues the messages of every campaign that is due (a
// jobs.Sweeper). A due SCHEDULED campaign becomes SENDING, in a guarded
// update that a cancel cannot also win; then batches of its segment's
// customers, by id after its cursor, are queued one transaction each,
// with the campaign row locked (Postgres) so two servers' sweeps take
// turns and never queue a batch twice; the last batch marks it SENT.
// Each message's dedupe key names the campaign and the customer, so even
// a batch queued twice reaches each customer once.
func (s *Service) sweepCampaigns(ctx context.Context, now time.Time) error {
	ctx = auth.WithSystem(ctx)
	ids, err := s.db.Campaign.Query().Where(campaignsDue(now)).Order(ent.Asc(campaign.FieldID)).IDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.sendCampaign(ctx, id, now); err != nil {
			return fmt.Errorf("notify: campaign %d: %w", id, err)
		}
	}
	return nil
}

// sendCampaign queues campaign id's messages, batch by batch, until it is
// SENT (or no longer due: canceled in between, finished by another
// server).
func (s *Service) sendCampaign(ctx context.Context, id int, now time.Time) error {
	for {
		done := true
		err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			q := tx.Campaign.Query().Where(campaign.ID(id), campaignsDue(now))
			if s.db.LockForUpdate() {
				q.ForUpdate()
			}
			c, err := q.Only(ctx)
			if ent.IsNotFound(err) {
				return nil // canceled, or finished by another sweep
			}
			if err != nil {
				return err
			}
			up := tx.Campaign.UpdateOne(c).SetUpdatedAt(s.now())
			if c.Status == campaign.StatusSCHEDULED {
				up.SetStatus(campaign.StatusSENDING).SetStartedAt(s.now())
			}
			n, last, err := s.queueCampaignBatch(ctx, tx, c, now)
			if err != nil {
				return err
			}
			up.AddQueued(n)
			if last > 0 {
				up.SetCursorCustomerID(last)
				done = false
			} else {
				up.SetStatus(campaign.StatusSENT).SetFinishedAt(s.now())
			}
			return up.Exec(ctx)
		})
		if err != nil || done {
			return err
		}
	}
}

// queueCampaignBatch queues c's message to the next batch of its
// segment's customers after its cursor, in tx. It returns how many it
// queued and the batch's last customer id (0 when none were left).
func (s *Service) queueCampaignBatch(ctx context.Context, tx *ent.Tx, c *ent.Campaign, now time.Time) (queued, last int, err error) {
	ct, err := parse(Template{Subject: c.Subject, HTML: c.HTML, Text: c.Text})
	if err != nil {
		return 0, 0, err // validated when saved: only a bug gets here
	}
	custs, err := tx.Customer.Query().Where(CampaignSegment(c).Predicates(now)...).
		Where(customer.IDGT(c.CursorCustomerID)).Order(ent.Asc(customer.FieldID)).Limit(campaignBatch).All(ctx)
	if err != nil || len(custs) == 0 {
		return 0, 0, err
	}
	for _, cu := range custs {
		msg := Msg{Kind: message.KindCAMPAIGN, Channel: message.ChannelEMAIL,
			DedupeKey: fmt.Sprintf("campaign:%d:customer:%d:EMAIL", c.ID, cu.ID), Recipient: cu.Email,
			CustomerID: &cu.ID, CampaignID: &c.ID, Marketing: true}
		// Rendered now, with the campaign's templates: the dispatcher
		// renders a message only when it has no subject yet, from its
		// kind's template, and a campaign's template is its own.
		r, rerr := ct.execute(s.campaignVars(cu))
		if rerr != nil {
			msg.Skip = truncate("rendering: "+rerr.Error(), 500)
		}
		mid, ok, err := s.Queue(ctx, tx, msg)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			continue // queued by an earlier sweep
		}
		queued++
		if rerr == nil {
			if err := tx.Message.UpdateOneID(mid).SetSubject(r.Subject).SetBodyHTML(r.HTML).SetBodyText(r.Text).Exec(ctx); err != nil {
				return 0, 0, err
			}
		}
	}
	return queued, custs[len(custs)-1].ID, nil
}
