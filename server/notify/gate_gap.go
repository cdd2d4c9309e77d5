package notify

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
)

// gateJourneyGap holds a message that can wait (see canWait) until
// Rules.JourneyGap has passed since the last message of its journey to
// the same customer (a review reminder right after the request it
// reminds of reads as nagging). The customer's row is locked as in
// gateWeeklyCap, so two messages due together go one gap apart.
func gateJourneyGap(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (verdict, error) {
	gap := s.rules.JourneyGap
	if gap <= 0 || m.Journey == nil || m.CustomerID == nil || !canWait(m.Kind) {
		return verdict{}, nil
	}
	ctx = auth.WithSystem(ctx)
	if err := s.lockCustomer(ctx, tx, *m.CustomerID); err != nil {
		return verdict{}, err
	}
	last, err := tx.Message.Query().Where(message.CustomerID(*m.CustomerID), message.Journey(*m.Journey),
		message.IDNEQ(m.ID), message.AttemptsGT(0), message.StatusNEQ(message.StatusDEAD)).
		Order(ent.Desc(message.FieldLastAttemptAt)).First(ctx)
	switch {
	case ent.IsNotFound(err):
		return verdict{}, nil
	case err != nil:
		return verdict{}, err
	}
	at := last.LastAttemptAt
	if last.SentAt != nil {
		at = last.SentAt
	}
	if at == nil {
		return verdict{}, nil
	}
	return verdict{wait: at.Add(gap)}, nil // decide sends when this is not after now
}
