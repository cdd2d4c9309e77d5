package notify

import (
	"context"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/consent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// ConsentState is a customer's marketing consent on one channel: what
// they said, or, when they never said, what the store's default makes of
// it (Rules.OptOut).
type ConsentState struct {
	// Channel is the channel.
	Channel message.Channel
	// Marketing is whether marketing messages go out on the channel.
	Marketing bool
	// ChangedAt and Source are the last change; nil when the customer
	// never said (the default applies).
	ChangedAt *time.Time
	Source    *consent.Source
	// ChangedBy is the staff member who made the last change (their
	// token's subject); nil when the customer or a link did.
	ChangedBy *string
}

// channels are the channels a consent is shown for, in the enum's order.
var channels = []message.Channel{message.ChannelEMAIL, message.ChannelIN_APP, message.ChannelWEBHOOK}

// marketingAllowed reports whether customer id accepts marketing on
// channel, with their consent row (nil when they never said: the default
// applies).
func (s *Service) marketingAllowed(ctx context.Context, c *ent.Client, id int, channel message.Channel) (bool, *ent.Consent, error) {
	row, err := c.Consent.Query().Where(consent.CustomerID(id), consent.ChannelEQ(consent.Channel(channel))).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return s.rules.OptOut, nil, nil
	case err != nil:
		return false, nil, err
	}
	return row.Marketing, row, nil
}

// Consents returns customer id's consent on every channel. Staff may read
// anyone's, a customer only their own (another's is NOT_FOUND, as if it
// did not exist).
func (s *Service) Consents(ctx context.Context, id int) ([]*ConsentState, error) {
	if err := s.mayReadConsents(ctx, id); err != nil {
		return nil, err
	}
	ctx = auth.WithSystem(ctx)
	rows, err := s.db.Consent.Query().Where(consent.CustomerID(id)).All(ctx)
	if err != nil {
		return nil, err
	}
	byChannel := map[consent.Channel]*ent.Consent{}
	for _, r := range rows {
		byChannel[r.Channel] = r
	}
	out := make([]*ConsentState, 0, len(channels))
	for _, ch := range channels {
		st := &ConsentState{Channel: ch, Marketing: s.rules.OptOut}
		if r := byChannel[consent.Channel(ch)]; r != nil {
			st.Marketing, st.ChangedAt, st.Source, st.ChangedBy = r.Marketing, &r.ChangedAt, &r.Source, r.ChangedBy
		}
		out = append(out, st)
	}
	return out, nil
}

// ConsentsOf is Consents of customer id, or, when id is nil, of the
// signed-in customer (staff must name one: INVALID_INPUT).
func (s *Service) ConsentsOf(ctx context.Context, id *int) ([]*ConsentState, error) {
	if id != nil {
		return s.Consents(ctx, *id)
	}
	if auth.RequireStaff(ctx) == nil {
		return nil, errs.Invalid("customerId", "is required for staff")
	}
	v, err := auth.RequireCustomer(ctx, "staff name the customer")
	if err != nil {
		return nil, err
	}
	return s.Consents(ctx, v.CustomerID)
}

// mayReadConsents refuses anyone but staff and customer id themselves.
func (s *Service) mayReadConsents(ctx context.Context, id int) error {
	if auth.RequireStaff(ctx) == nil {
		return nil
	}
	v, ok := auth.FromContext(ctx)
	if !ok {
		return errs.Errorf(errs.Unauthenticated, "sign in to read consents")
	}
	if !v.IsCustomer() || v.CustomerID != id {
		return errs.Errorf(errs.NotFound, "no such customer")
	}
	return nil
}

// SetViewerConsent records the signed-in customer's own marketing choice
// on channel (source CUSTOMER) and returns their consents. Staff get
// FORBIDDEN: a consent is the customer's to give.
func (s *Service) SetViewerConsent(ctx context.Context, channel message.Channel, marketing bool) ([]*ConsentState, error) {
	v, err := auth.RequireCustomer(ctx, "a consent is the customer's own to give; staff read it with customer(id).consents")
	if err != nil {
		return nil, err
	}
	if err := message.ChannelValidator(channel); err != nil {
		return nil, errs.Invalid("channel", "%s", err)
	}
	if err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		_, err := s.setConsent(ctx, tx.Client(), v.CustomerID, channel, marketing, consent.SourceCUSTOMER, nil)
		return err
	}); err != nil {
		return nil, err
	}
	return s.Consents(ctx, v.CustomerID)
}

// SetCustomerConsent records, for staff, customer id's marketing choice
// on channel as the customer told them (by phone, in the shop, in
// writing): source STAFF, with who (the staff token's subject) and when.
// Customers get FORBIDDEN (theirs is SetViewerConsent); an unknown
// customer is NOT_FOUND and nothing is written.
func (s *Service) SetCustomerConsent(ctx context.Context, id int, channel message.Channel, marketing bool) ([]*ConsentState, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if err := message.ChannelValidator(channel); err != nil {
		return nil, errs.Invalid("input.channel", "%s", err)
	}
	actor := "staff"
	if v, ok := auth.FromContext(ctx); ok && v.Subject != "" {
		actor = v.Subject
	}
	if err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		ok, err := tx.Customer.Query().Where(customer.ID(id)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errs.Errorf(errs.NotFound, "no customer %d", id)
		}
		_, err = s.setConsent(ctx, tx.Client(), id, channel, marketing, consent.SourceSTAFF, &actor)
		return err
	}); err != nil {
		return nil, err
	}
	return s.Consents(ctx, id)
}

// setConsent writes customer id's consent on channel, in c's transaction,
// by staff member by (nil: the customer or a link), and reports whether
// it changed. Only a change moves changed_at, source and changed_by:
// saying "no" twice keeps the date of the first no.
func (s *Service) setConsent(ctx context.Context, c *ent.Client, id int, channel message.Channel, marketing bool,
	src consent.Source, by *string) (bool, error) {
	row, err := c.Consent.Query().Where(consent.CustomerID(id), consent.ChannelEQ(consent.Channel(channel))).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return true, c.Consent.Create().SetCustomerID(id).SetChannel(consent.Channel(channel)).SetMarketing(marketing).
			SetChangedAt(s.now()).SetSource(src).SetNillableChangedBy(by).
			OnConflictColumns(consent.FieldCustomerID, consent.FieldChannel).UpdateNewValues().Exec(ctx)
	case err != nil:
		return false, err
	case row.Marketing == marketing:
		return false, nil
	}
	up := c.Consent.UpdateOne(row).SetMarketing(marketing).SetChangedAt(s.now()).SetSource(src).ClearChangedBy()
	if by != nil {
		up.SetChangedBy(*by)
	}
	return true, up.Exec(ctx)
}
