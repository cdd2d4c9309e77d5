package notify

import (
	"context"
	"fmt"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/auth"
)

// gateConsent skips a marketing message to a customer without marketing
// consent on its channel (opt-in unless Rules.OptOut). A transactional
// message goes all the same; if the customer said no, an EXEMPT event on
// it says it went anyway and why.
func gateConsent(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (verdict, error) {
	if m.CustomerID == nil {
		return verdict{}, nil
	}
	ctx = auth.WithSystem(ctx)
	allowed, row, err := s.marketingAllowed(ctx, tx.Client(), *m.CustomerID, m.Channel)
	if err != nil || allowed {
		return verdict{}, err
	}
	why := fmt.Sprintf("no marketing consent on %s (opt-in: the customer never said yes)", m.Channel)
	if row != nil {
		why = fmt.Sprintf("no marketing consent on %s (withdrawn %s, %s)", m.Channel,
			row.ChangedAt.UTC().Format("2006-01-02 15:04 MST"), row.Source)
	}
	if m.Transactional {
		if row != nil {
			return verdict{}, s.exempt(ctx, tx.Client(), m, why+"; sent: transactional messages need no consent")
		}
		return verdict{}, nil
	}
	return verdict{skip: why}, nil
}
