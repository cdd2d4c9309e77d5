package community

import (
	"context"
	"time"

	"github.com/aftercart/aftercart/ent"
	entcustomer "github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// SilenceInput silences an author (GraphQL SilenceAuthorInput).
type SilenceInput struct {
	CustomerID int       `json:"customerId"`
	Until      time.Time `json:"until"`
	Reason     string    `json:"reason"`
}

// SilenceResult is the customer as staff see them now (GraphQL
// SilenceAuthorPayload, UnsilenceAuthorPayload).
type SilenceResult struct {
	Customer *ent.Customer
}

// MaxSilenceReason bounds the reason a silenced author reads.
const MaxSilenceReason = 1000

// Silence stops a customer posting, commenting, reacting and flagging
// until a time, with a reason they read in every refusal. Staff only; the
// time must be in the future and the reason given; silencing again
// replaces both. An unknown customer is NOT_FOUND.
func (s *Service) Silence(ctx context.Context, in SilenceInput) (*SilenceResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if !in.Until.After(s.cfg.Clock.Now()) {
		return nil, errs.Invalid("input.until", "must be in the future")
	}
	reason, err := checkText("input.reason", in.Reason, MaxSilenceReason, true)
	if err != nil {
		return nil, err
	}
	until, by := in.Until.UTC().Round(0), actor(ctx)
	return s.setSilence(ctx, in.CustomerID, types.ModerationSilence, &until, &reason, func(u *ent.CustomerUpdate) {
		u.SetSilencedUntil(until).SetSilenceReason(reason).SetSilencedBy(by)
	})
}

// Unsilence lifts a customer's silence at once, with an optional reason
// for the trail. Staff only.
func (s *Service) Unsilence(ctx context.Context, customerID int, reason *string) (*SilenceResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	var why *string
	if reason != nil {
		r, err := checkText("input.reason", *reason, MaxSilenceReason, false)
		if err != nil {
			return nil, err
		}
		if r != "" {
			why = &r
		}
	}
	return s.setSilence(ctx, customerID, types.ModerationUnsilence, nil, why, func(u *ent.CustomerUpdate) {
		u.ClearSilencedUntil().ClearSilenceReason().ClearSilencedBy()
	})
}

// setSilence changes the customer and records the decision in the
// moderation trail in one transaction (issue 11: every decision lands in
// the trail, which staff read per author).
func (s *Service) setSilence(ctx context.Context, id int, action types.ModerationAction, until *time.Time, reason *string, set func(*ent.CustomerUpdate)) (*SilenceResult, error) {
	by := actor(ctx)
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		u := tx.Customer.Update().Where(entcustomer.ID(id))
		set(u)
		n, err := u.Save(ctx)
		if err == nil && n == 0 {
			return &errs.Error{Code: errs.NotFound, Field: "input.customerId", Message: "no such customer"}
		}
		if err != nil {
			return err
		}
		_, err = s.mod.RecordAuthor(ctx, tx, id, action, until, reason, by)
		return err
	})
	if err != nil {
		return nil, err
	}
	c, err := s.db.Customer.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &SilenceResult{Customer: c}, nil
}

// actor names the staff member in ctx, as the trail does.
func actor(ctx context.Context) string {
	if v, ok := auth.FromContext(ctx); ok && v.Subject != "" {
		return v.Subject
	}
	return "system"
}

// Silenced lists the customers silenced now (silenced_until after the
// app's clock), for staff, by id. It is a server-side filter so that the
// admin's Silenced screen reads only them, and so "now" is the server's
// clock, the one the refusals use, not the browser's.
func (s *Service) Silenced(ctx context.Context, p Page) (*ent.CustomerConnection, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return s.db.Customer.Query().Where(entcustomer.SilencedUntilGT(s.now())).
		Paginate(ctx, p.After, p.First, p.Before, p.Last)
}
