package notify

import (
	"context"
	"fmt"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
)

// gateWeeklyCap skips a marketing message to a customer who has had
// Rules.WeeklyCap marketing messages in the last 7 days. A transactional
// message goes all the same, with an EXEMPT event saying so.
//
// What counts: the customer's other marketing messages that were
// attempted (attempts > 0, not DEAD) in the window: sent, or being sent
// now by another dispatcher. The customer's row is locked first (on
// Postgres), so two dispatchers deciding two messages of one customer
// decide one after the other and the second sees the first's attempt
// (counted and committed before anything leaves, see the package doc).
func gateWeeklyCap(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (verdict, error) {
	if m.CustomerID == nil || s.rules.WeeklyCap < 0 {
		return verdict{}, nil
	}
	ctx = auth.WithSystem(ctx)
	if err := s.lockCustomer(ctx, tx, *m.CustomerID); err != nil {
		return verdict{}, err
	}
	since := s.now().Add(-capWindow)
	n, err := tx.Message.Query().Where(message.CustomerID(*m.CustomerID), message.Transactional(false),
		message.IDNEQ(m.ID), message.AttemptsGT(0), message.StatusNEQ(message.StatusDEAD),
		message.Or(message.SentAtGTE(since), message.And(message.SentAtIsNil(), message.LastAttemptAtGTE(since)))).
		Count(ctx)
	if err != nil || n < s.rules.WeeklyCap {
		return verdict{}, err
	}
	why := fmt.Sprintf("weekly cap reached: %d marketing messages in the last 7 days (cap %d)", n, s.rules.WeeklyCap)
	if m.Transactional {
		return verdict{}, s.exempt(ctx, tx.Client(), m, why+"; sent: transactional messages are exempt")
	}
	return verdict{skip: why}, nil
}

// lockCustomer locks customer id's row until tx ends, on Postgres (SQLite's
// immediate transactions are serial already): the gates that count a
// customer's messages decide one message of theirs at a time.
func (s *Service) lockCustomer(ctx context.Context, tx *ent.Tx, id int) error {
	if !s.db.LockForUpdate() {
		return nil
	}
	_, err := tx.Customer.Query().Where(customer.ID(id)).ForUpdate().OnlyID(ctx)
	return err
}
