package support

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/supportcontact"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
)

// Limits of a contact's input.
const (
	// MaxNote is the longest note, in characters: a help desk's summary,
	// not the conversation.
	MaxNote = 2000
	// MaxExternalID is the longest help desk id.
	MaxExternalID = 255
	// clockSkew is how far in the future a contact's time may lie: the
	// help desk's clock is not ours.
	clockSkew = 5 * time.Minute
)

// earliest is the earliest time a contact may have: a help desk may
// backfill its history (the customer timeline wants it), but not from
// before e-commerce help desks existed.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Input is a contact to record (GraphQL RecordSupportContactInput).
type Input struct {
	// CustomerID or Email names the customer; one is required.
	CustomerID *int    `json:"customerId"`
	Email      *string `json:"email"`
	// OrderID is the order it was about, if the help desk knows.
	OrderID *int `json:"orderId"`
	// Channel is how the customer made contact.
	Channel supportcontact.Channel `json:"channel"`
	// Topic is what it was about; nil is OTHER.
	Topic *supportcontact.Topic `json:"topic"`
	// At is when; nil is now.
	At *time.Time `json:"at"`
	// Note is the help desk's short note.
	Note *string `json:"note"`
	// ExternalID is the help desk's ticket id (a replay returns the first).
	ExternalID *string `json:"externalId"`
}

// Recorded is what Record did (GraphQL RecordSupportContactPayload).
type Recorded struct {
	// Contact is the contact, as recorded (the first one, for a replay).
	Contact *ent.SupportContact
	// Replayed is true when ExternalID was recorded before and nothing
	// was written.
	Replayed bool
}

// Service records support contacts.
type Service struct {
	db    *db.DB
	clock clockwork.Clock
}

// NewService returns the service over d; clock dates contacts recorded
// without a time (nil: the real clock).
func NewService(d *db.DB, clock clockwork.Clock) *Service {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return &Service{db: d, clock: clock}
}

// Record records a contact (see the package doc for its rules). Staff
// and integration tokens only: a customer gets FORBIDDEN.
func (s *Service) Record(ctx context.Context, in Input) (*Recorded, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	actor := "system"
	if v, ok := auth.FromContext(ctx); ok && v.Subject != "" {
		actor = v.Subject
	}
	now := s.clock.Now().Round(0)
	note, ext, err := clean(in)
	if err != nil {
		return nil, err
	}
	var out Recorded
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		cu, err := findCustomer(ctx, tx.Client(), in)
		if err != nil {
			return err
		}
		at := now
		if in.At != nil {
			at = in.At.Round(0)
		}
		switch {
		case at.After(now.Add(clockSkew)):
			return errs.Invalid("input.at", "lies in the future")
		case at.Before(earliest):
			return errs.Invalid("input.at", "lies before 2000: a typo in the year?")
		}
		if in.OrderID != nil {
			o, err := tx.Order.Get(ctx, *in.OrderID)
			switch {
			case ent.IsNotFound(err):
				return errs.Errorf(errs.NotFound, "no order %d", *in.OrderID)
			case err != nil:
				return err
			case o.CustomerID != cu.ID:
				return errs.Invalid("input.orderId", "is another customer's order")
			}
		}
		if ext != nil {
			prev, err := tx.SupportContact.Query().Where(supportcontact.ExternalID(*ext)).Only(ctx)
			switch {
			case err == nil && prev.CustomerID != cu.ID:
				return errs.Errorf(errs.Conflict, "externalId %q was recorded for another customer", *ext)
			case err == nil:
				out = Recorded{Contact: prev, Replayed: true}
				return nil
			case !ent.IsNotFound(err):
				return err
			}
		}
		c := tx.SupportContact.Create().SetCustomerID(cu.ID).SetNillableOrderID(in.OrderID).SetChannel(in.Channel).
			SetAt(at).SetNillableNote(note).SetNillableExternalID(ext).SetRecordedBy(actor).
			SetCreatedAt(now).SetUpdatedAt(now)
		if in.Topic != nil {
			c.SetTopic(*in.Topic)
		}
		out.Contact, err = c.Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Read back outside the committed transaction, so the payload's
	// edges (customer, order) load through the server's client.
	if out.Contact, err = s.db.SupportContact.Get(ctx, out.Contact.ID); err != nil {
		return nil, err
	}
	return &out, nil
}

// clean checks the input's free-text fields and returns them trimmed (nil
// when empty).
func clean(in Input) (note, ext *string, err error) {
	if in.CustomerID == nil && (in.Email == nil || strings.TrimSpace(*in.Email) == "") {
		return nil, nil, errs.Invalid("input.customerId", "name the customer by customerId or email")
	}
	if err := supportcontact.ChannelValidator(in.Channel); err != nil {
		return nil, nil, errs.Invalid("input.channel", "%s", err)
	}
	if in.Topic != nil {
		if err := supportcontact.TopicValidator(*in.Topic); err != nil {
			return nil, nil, errs.Invalid("input.topic", "%s", err)
		}
	}
	if in.Note != nil {
		n := strings.TrimSpace(*in.Note)
		if utf8.RuneCountInString(n) > MaxNote {
			return nil, nil, errs.Invalid("input.note", "must be at most %d characters", MaxNote)
		}
		if n != "" {
			note = &n
		}
	}
	if in.ExternalID != nil {
		e := strings.TrimSpace(*in.ExternalID)
		if len(e) > MaxExternalID {
			return nil, nil, errs.Invalid("input.externalId", "must be at most %d bytes", MaxExternalID)
		}
		if e != "" {
			ext = &e
		}
	}
	return note, ext, nil
}

// findCustomer is the customer in names: by id, else by email
// (case-insensitive); both given must agree.
func findCustomer(ctx context.Context, c *ent.Client, in Input) (*ent.Customer, error) {
	var byID, byEmail *ent.Customer
	var err error
	if in.CustomerID != nil {
		byID, err = c.Customer.Get(ctx, *in.CustomerID)
		if ent.IsNotFound(err) {
			return nil, errs.Errorf(errs.NotFound, "no customer %d", *in.CustomerID)
		} else if err != nil {
			return nil, err
		}
	}
	if in.Email != nil && strings.TrimSpace(*in.Email) != "" {
		email := strings.TrimSpace(*in.Email)
		byEmail, err = c.Customer.Query().Where(customer.EmailEqualFold(email)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, errs.Errorf(errs.NotFound, "no customer with that email")
		} else if err != nil {
			return nil, err
		}
	}
	switch {
	case byID != nil && byEmail != nil && byID.ID != byEmail.ID:
		return nil, errs.Invalid("input.email", "names another customer than customerId")
	case byID != nil:
		return byID, nil
	}
	return byEmail, nil
}
