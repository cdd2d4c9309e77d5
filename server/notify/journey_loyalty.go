package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/moderation"
)

// Loyalty's messages (issue 13): REFERRAL_THANKS when a referral
// completes, to both sides. The program tells the outbox through
// loyalty.ReferralNotifier (set at assembly), in the completion's
// transaction, so the thanks commit with the rewards or not at all; the
// outbox reads the program's rows (the referral, the REFERRAL ledger
// entries) and never the other way round.

// JourneyReferralThanks is the referral thanks' journey: staff can turn
// it off or send it on other channels, like every journey.
const JourneyReferralThanks = "referral_thanks"

// ReferralThanks is what a REFERRAL_THANKS template can use.
type ReferralThanks struct {
	// StoreName is the store's name (-store-name).
	StoreName string
	// FirstName is the recipient's first name ("there" when unknown).
	FirstName string
	// Referrer is true for the customer who shared the code, false for
	// the friend who used it.
	Referrer bool
	// OtherName is the other side's display name ("Ana L."): never more
	// of a customer than a referral shows.
	OtherName string
	// Points are the points the referral paid the recipient.
	Points int64
}

// referralThanksSample is REFERRAL_THANKS' sample (every branch runs).
var referralThanksSample = ReferralThanks{StoreName: "Sample Store", FirstName: "Mina", Referrer: true, OtherName: "Ana L.", Points: 500}

func init() {
	registerJourney(journeySpec{name: JourneyReferralThanks,
		description: "Referral thanks: when a referral completes (the friend's first order delivered and kept), " +
			"one message to each side with the other's display name and the points paid.",
		kinds: []message.Kind{message.KindREFERRAL_THANKS}, defaults: JourneySettings{Enabled: true}})
	registerKind(message.KindREFERRAL_THANKS, kindSpec{sample: referralThanksSample,
		vars: func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
			return s.referralThanks(ctx, c, m.DedupeKey)
		}})
}

// The two sides of a referral, as the program's ledger keys name them.
const (
	sideReferrer = "referrer"
	sideFriend   = "friend"
)

// referralThanksKey is the dedupe key of one side's thanks by email: the
// referral and the side, so each side is thanked once, whoever completes
// it (queueJourney swaps the channel in for the journey's other
// channels; the email's key is the one thanks queued before the journey
// had settings carried, so they still dedupe).
func referralThanksKey(referralID int, side string) string {
	return fmt.Sprintf("referral:%d:thanks:%s:EMAIL", referralID, side)
}

// ReferralCompleted queues the thanks of a completed referral, one
// message to each side on each of the journey's channels, in the
// completion's transaction (loyalty's ReferralNotifier). Without a
// transaction in ctx it queues nothing (see Register).
func (s *Service) ReferralCompleted(ctx context.Context, ref *ent.Referral) error {
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		return nil
	}
	ctx = auth.WithSystem(ctx)
	set, err := s.journeySettings(ctx, tx.Client(), JourneyReferralThanks)
	if err != nil {
		return err
	}
	for _, side := range []struct {
		who  int
		name string
	}{{ref.ReferrerID, sideReferrer}, {ref.FriendID, sideFriend}} {
		cu, err := tx.Customer.Get(ctx, side.who)
		if err != nil {
			return err
		}
		if err := s.queueJourney(ctx, tx, set, Msg{Kind: message.KindREFERRAL_THANKS, Channel: message.ChannelEMAIL,
			DedupeKey: referralThanksKey(ref.ID, side.name), Recipient: cu.Email, CustomerID: &cu.ID,
			Journey: JourneyReferralThanks}); err != nil {
			return err
		}
	}
	return nil
}

// referralThanks reads the variables of the thanks with dedupe key key:
// the referral and side it names, the points the ledger paid that side.
func (s *Service) referralThanks(ctx context.Context, c *ent.Client, key string) (ReferralThanks, error) {
	parts := strings.Split(key, ":") // referral:<id>:thanks:<side>:EMAIL
	if len(parts) != 5 || parts[0] != "referral" || parts[2] != "thanks" {
		return ReferralThanks{}, fmt.Errorf("notify: %q is not a referral thanks key", key)
	}
	id, err := strconv.Atoi(parts[1])
	if err != nil {
		return ReferralThanks{}, fmt.Errorf("notify: %q: %w", key, err)
	}
	side := parts[3]
	ref, err := c.Referral.Query().Where(referral.ID(id)).WithReferrer().WithFriend().Only(ctx)
	if err != nil {
		return ReferralThanks{}, err
	}
	me, other := ref.Edges.Referrer, ref.Edges.Friend
	if side == sideFriend {
		me, other = other, me
	}
	e, err := c.LoyaltyEntry.Query().Where(loyaltyentry.IdempotencyKey(fmt.Sprintf("referral:%d:%s", id, side))).Only(ctx)
	if err != nil {
		return ReferralThanks{}, fmt.Errorf("notify: the %s's reward of referral %d: %w", side, id, err)
	}
	v := ReferralThanks{StoreName: s.cfg.StoreName, FirstName: strings.TrimSpace(me.FirstName), Referrer: side == sideReferrer,
		OtherName: moderation.DisplayName(other.FirstName, other.LastName), Points: e.Points}
	if v.FirstName == "" {
		v.FirstName = "there"
	}
	return v, nil
}
