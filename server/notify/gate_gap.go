package notify

import (
	"context"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
)

// gateJourneyGap holds a message that can wait (see canWait) until the
// journey's gap has passed since the last message of its journey to the
// same customer (a review reminder right after the request it reminds of
// reads as nagging). The gap is the longer of the journey's own
// MinGapMinutes (journey settings) and Rules.JourneyGap, the store-wide
// floor. The customer's row is locked as in gateWeeklyCap, so two
// messages due together go one gap apart.
//
// What it compares is when the last message was attempted
// (last_attempt_at, committed before the message left), never its
// sent_at: sent_at is recorded after the channel answered, which can be
// any time later (a slow SMTP server's 250; in tests, after the fake
// clock was moved on), and a sent_at days late once held a reminder that
// was due days after its request. What counts is the journey's other
// messages that were attempted and not given up on (DEAD) — not the
// message's own twins on other channels (the same cause, see twinKeys),
// which are one message to the customer.
func gateJourneyGap(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (verdict, error) {
	if m.Journey == nil || m.CustomerID == nil || !canWait(m.Kind) {
		return verdict{}, nil
	}
	ctx = auth.WithSystem(ctx)
	set, err := s.journeySettings(ctx, tx.Client(), *m.Journey)
	if err != nil {
		return verdict{}, err
	}
	gap := max(s.rules.JourneyGap, set.MinGap())
	if gap <= 0 {
		return verdict{}, nil
	}
	if err := s.lockCustomer(ctx, tx, *m.CustomerID); err != nil {
		return verdict{}, err
	}
	last, err := tx.Message.Query().Where(message.CustomerID(*m.CustomerID), message.Journey(*m.Journey),
		message.IDNEQ(m.ID), message.DedupeKeyNotIn(twinKeys(m.DedupeKey, m.Channel)...),
		message.AttemptsGT(0), message.LastAttemptAtNotNil(), message.StatusNEQ(message.StatusDEAD)).
		Order(ent.Desc(message.FieldLastAttemptAt)).First(ctx)
	switch {
	case ent.IsNotFound(err):
		return verdict{}, nil
	case err != nil:
		return verdict{}, err
	}
	return verdict{wait: last.LastAttemptAt.Add(gap)}, nil // decide sends when this is not after now
}

// twinKeys are the dedupe keys of key's message on every channel
// (channelKey), key included.
func twinKeys(key string, ch message.Channel) []string {
	base := strings.TrimSuffix(key, ":"+string(ch))
	out := make([]string, 0, len(channels))
	for _, c := range channels {
		out = append(out, base+":"+string(c))
	}
	return out
}
