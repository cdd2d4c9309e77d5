package notify

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/notificationchange"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/live"
)

// notificationCursors encodes NotificationChange ids for clients.
const notificationCursors live.Cursors = "nc"

// NotificationAdded is one notification as notificationAdded streams it.
type NotificationAdded struct {
	// Cursor identifies the change; pass it as `after` to resume after it.
	Cursor string
	// Notification is the notification delivered.
	Notification *ent.Notification
}

// NotificationFeed streams customers' new in-app notifications
// (notificationAdded), keyed by customer id.
type NotificationFeed struct {
	f *live.Feed[int, *NotificationAdded]
}

// NewNotificationFeed registers the notificationAdded feed on e, reading
// through s's database.
//
// Commit order (the engine's contract): the one writer of a customer's
// NotificationChange rows (deliverInApp) takes the customer's topic lock
// (live.LockTopic) before inserting, so the customer's change ids
// increase in commit order.
func NewNotificationFeed(e *live.Engine, s *Service) *NotificationFeed {
	return &NotificationFeed{f: live.NewFeed(e, live.Config[int, *NotificationAdded]{
		Namespace: NotificationNamespace,
		Cursors:   notificationCursors,
		Source:    notificationSource{c: s.db.Client},
	})}
}

// Subscribe streams the signed-in customer's new notifications (see
// live.Feed.Subscribe). Notifications are a customer's own: there is no
// way to name another's, and staff, who have none, get FORBIDDEN.
func (f *NotificationFeed) Subscribe(ctx context.Context, after *string, t live.Target, cursorVariable string) (<-chan *NotificationAdded, error) {
	v, ok := auth.FromContext(ctx)
	switch {
	case !ok:
		return nil, errs.Errorf(errs.Unauthenticated, "sign in to follow your notifications")
	case !v.IsCustomer():
		return nil, errs.Errorf(errs.Forbidden, "notifications are a customer's; staff read the outbox (messages)")
	}
	return f.f.Subscribe(ctx, v.CustomerID, after, t, cursorVariable)
}

// Feed is the underlying live feed (for tests that drive the engine).
func (f *NotificationFeed) Feed() *live.Feed[int, *NotificationAdded] { return f.f }

// notificationSource is the feed's live.Source: a customer's
// NotificationChange rows.
type notificationSource struct{ c *ent.Client }

// Authorize lets a customer follow their own notifications only; any
// other key looks missing (NOT_FOUND).
func (notificationSource) Authorize(ctx context.Context, customerID int) (live.Filter[*NotificationAdded], error) {
	v, ok := auth.FromContext(ctx)
	if !ok || !v.IsCustomer() || v.CustomerID != customerID {
		return nil, errs.Errorf(errs.NotFound, "no such notifications")
	}
	if customerID == 0 {
		return nil, errs.Errorf(errs.NotFound, "no customer has this token's email yet")
	}
	return nil, nil
}

// Read returns up to limit changes after id with their notifications.
func (src notificationSource) Read(ctx context.Context, customerID, after, limit int) ([]live.Change[*NotificationAdded], error) {
	rows, err := src.c.NotificationChange.Query().
		Where(notificationchange.CustomerID(customerID), notificationchange.IDGT(after)).
		WithNotification().Order(notificationchange.ByID()).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]live.Change[*NotificationAdded], 0, len(rows))
	for _, r := range rows {
		out = append(out, live.Change[*NotificationAdded]{Position: r.ID,
			Value: &NotificationAdded{Cursor: notificationCursors.Encode(r.ID), Notification: r.Edges.Notification}})
	}
	return out, nil
}

// Latest returns the customer's newest change id (0 if none).
func (src notificationSource) Latest(ctx context.Context, customerID int) (int, error) {
	return latestNotificationChange(ctx, src.c, customerID)
}

// latestNotificationChange is customerID's newest NotificationChange id,
// read as the system (0 if none).
func latestNotificationChange(ctx context.Context, c *ent.Client, customerID int) (int, error) {
	ids, err := c.NotificationChange.Query().Where(notificationchange.CustomerID(customerID)).
		Order(ent.Desc(notificationchange.FieldID)).Limit(1).IDs(auth.WithSystem(ctx))
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}
