package notify

import (
	"context"

	"github.com/aftercart/aftercart/ent"
)

// SetCampaignBatch makes the campaign sweep queue n customers per
// transaction until the returned restore is called, so a test with a few
// customers covers a campaign that takes several batches.
func SetCampaignBatch(n int) (restore func()) {
	old := campaignBatch
	campaignBatch = n
	return func() { campaignBatch = old }
}

// DeliverInApp is deliverInApp, the one writer of the notification feed,
// for the feed's commit-order check.
func (s *Service) DeliverInApp(ctx context.Context, m *ent.Message) error {
	return s.deliverInApp(ctx, m)
}

// SetWinBackBatch makes the win-back sweep queue n customers per
// transaction until the returned restore is called.
func SetWinBackBatch(n int) (restore func()) {
	old := winBackBatch
	winBackBatch = n
	return func() { winBackBatch = old }
}

// SetSessionMax makes every SMTP session send at most n messages until
// the returned restore is called: 1 is one session per message (the
// mailer before sessions were pooled), for the drain benchmark's
// comparison.
func SetSessionMax(n int) (restore func()) {
	old := sessionMax
	sessionMax = n
	return func() { sessionMax = old }
}
