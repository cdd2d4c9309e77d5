package notify

import (
	"context"
	"database/sql"
	"sort"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messageevent"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/server/auth"
)

// Engagement is how the emails of one journey or one campaign did:
// every count is of emails (one opened five times is one opened). Opens
// and clicks are an email's: the in-app twin of a message would count as
// sent and never as opened, halving every rate.
type Engagement struct {
	// Journey or CampaignID says whose messages these are.
	Journey    *string
	CampaignID *int
	// Sent counts messages that left or tried to (SENT, FAILED, DEAD);
	// Delivered those the receiving side accepted (SENT).
	Sent, Delivered int
	// Opened, Clicked and Converted count messages with at least one such
	// event (Converted: an order within the conversion window after a
	// click, last-click attribution).
	Opened, Clicked, Converted int
	// Unsubscribed counts messages whose one-click unsubscribe link
	// withdrew the customer's marketing consent (an UNSUBSCRIBED event).
	Unsubscribed int
}

// EngagementStats returns the engagement of every journey and campaign
// whose messages were created since since (all when zero), journeys
// first, by name. Staff only.
func (s *Service) EngagementStats(ctx context.Context, since time.Time) ([]*Engagement, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	ctx = auth.WithSystem(ctx)
	type key struct {
		journey  string
		campaign int64
		hasJ     bool
		hasC     bool
	}
	rows := map[key]*Engagement{}
	at := func(j sql.NullString, c sql.NullInt64) *Engagement {
		k := key{j.String, c.Int64, j.Valid, c.Valid}
		if e := rows[k]; e != nil {
			return e
		}
		e := &Engagement{}
		if j.Valid {
			e.Journey = &k.journey
		}
		if c.Valid {
			id := int(c.Int64)
			e.CampaignID = &id
		}
		rows[k] = e
		return e
	}
	base := func() *ent.MessageQuery {
		q := s.db.Message.Query().Where(message.ChannelEQ(message.ChannelEMAIL),
			message.Or(message.JourneyNotNil(), message.CampaignIDNotNil()))
		if !since.IsZero() {
			q.Where(message.CreatedAtGTE(since))
		}
		return q
	}
	type group struct {
		Journey  sql.NullString `json:"journey"`
		Campaign sql.NullInt64  `json:"campaign_id"`
		Status   string         `json:"status"`
		Count    int            `json:"count"`
	}
	var byStatus []group
	if err := base().Where(message.StatusIn(message.StatusSENT, message.StatusFAILED, message.StatusDEAD)).
		GroupBy(message.FieldJourney, message.FieldCampaignID, message.FieldStatus).
		Aggregate(ent.Count()).Scan(ctx, &byStatus); err != nil {
		return nil, err
	}
	for _, g := range byStatus {
		e := at(g.Journey, g.Campaign)
		e.Sent += g.Count
		if g.Status == string(message.StatusSENT) {
			e.Delivered += g.Count
		}
	}
	for _, ev := range []struct {
		typ messageevent.Type
		add func(*Engagement, int)
	}{
		{messageevent.TypeOPENED, func(e *Engagement, n int) { e.Opened += n }},
		{messageevent.TypeCLICKED, func(e *Engagement, n int) { e.Clicked += n }},
		{messageevent.TypeCONVERTED, func(e *Engagement, n int) { e.Converted += n }},
		{messageevent.TypeUNSUBSCRIBED, func(e *Engagement, n int) { e.Unsubscribed += n }},
	} {
		var gs []group
		if err := base().Where(hasEvent(ev.typ)).GroupBy(message.FieldJourney, message.FieldCampaignID).
			Aggregate(ent.Count()).Scan(ctx, &gs); err != nil {
			return nil, err
		}
		for _, g := range gs {
			ev.add(at(g.Journey, g.Campaign), g.Count)
		}
	}
	out := make([]*Engagement, 0, len(rows))
	for _, e := range rows {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Journey != nil) != (b.Journey != nil) {
			return a.Journey != nil
		}
		if a.Journey != nil && *a.Journey != *b.Journey {
			return *a.Journey < *b.Journey
		}
		return deref64(a.CampaignID) < deref64(b.CampaignID)
	})
	return out, nil
}

// hasEvent matches messages with at least one event of typ (an EXISTS on
// message_events, whose unique index leads with message_id and type). Message
// has no edge to its events (its schema predates them), hence by hand.
func hasEvent(typ messageevent.Type) predicate.Message {
	return func(s *entsql.Selector) {
		t := entsql.Table(messageevent.Table)
		s.Where(entsql.Exists(entsql.Select(t.C(messageevent.FieldID)).From(t).Where(entsql.And(
			entsql.ColumnsEQ(t.C(messageevent.FieldMessageID), s.C(message.FieldID)),
			entsql.EQ(t.C(messageevent.FieldType), string(typ))))))
	}
}

// deref64 is *p, or 0 for nil.
func deref64(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// Events returns message m's events, oldest first. Staff only.
func (s *Service) Events(ctx context.Context, m *ent.Message) ([]*ent.MessageEvent, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return s.db.MessageEvent.Query().Where(messageevent.MessageID(m.ID)).
		Order(ent.Asc(messageevent.FieldAt), ent.Asc(messageevent.FieldID)).All(auth.WithSystem(ctx))
}
