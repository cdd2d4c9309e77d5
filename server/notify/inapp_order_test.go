package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/live/livetest"
	"github.com/aftercart/aftercart/server/notify"
)

// TestNotificationFeedCommitOrder is the notificationAdded feed's
// commit-order check (package live's contract): four writers deliver
// in-app messages to one customer at once through the feed's only writer
// (the IN_APP delivery), while subscribers drop off and resume from the
// cursors they were given; each must end with every notification exactly
// once, in cursor order. On Postgres only, as the check says: on SQLite the
// writers take turns anyway.
func TestNotificationFeedCommitOrder(t *testing.T) {
	s := mustServer(t, pgtest.Get(t).NewDatabase(t), startSMTP(t).URL())
	ctx := auth.WithSystem(t.Context())
	cu := s.DB.Customer.Create().SetEmail("mina@example.com").SetFirstName("Mina").SaveX(ctx)
	viewer := auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleCustomer, Email: cu.Email, Subject: cu.Email, CustomerID: cu.ID})
	livetest.CommitOrder[int, *notify.NotificationAdded]{
		Feed: s.Notifications().Feed(), Key: cu.ID, Viewer: viewer,
		Writers: 4, Writes: 25, Subscribers: 6, Seed: uint64(time.Now().UnixNano()),
		Write: func(ctx context.Context, name string, w, i int) error {
			sys := auth.WithSystem(ctx)
			m, err := s.DB.Message.Create().SetKind(message.KindCAMPAIGN).SetChannel(message.ChannelIN_APP).
				SetDedupeKey("commit-order:" + name).SetRecipient("").SetCustomerID(cu.ID).
				SetSubject(name).SetBodyText(name).SetMaxAttempts(1).Save(sys)
			if err != nil {
				return err
			}
			return s.Notify.DeliverInApp(sys, m)
		},
		Label:  func(u *notify.NotificationAdded) string { return u.Notification.Title },
		Cursor: func(u *notify.NotificationAdded) string { return u.Cursor },
	}.Run(t)
}
