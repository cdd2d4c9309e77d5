package notify

import (
	"context"
	"slices"

	"entgo.io/contrib/entgql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/notification"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// MaxMarkRead is how many notifications one markNotificationsRead may
// name (all: true has no limit: it is one UPDATE).
const MaxMarkRead = 100

// NotificationPage is a page of a customer's notifications, newest first
// (GraphQL NotificationConnection), with their unread count and the
// notificationAdded position when it was read.
type NotificationPage struct {
	*ent.NotificationConnection
	// UnreadCount is how many of the customer's notifications are unread.
	UnreadCount int
	// FeedCursor is the customer's notificationAdded position, read before
	// the page's rows: subscribing after it misses nothing committed since
	// (the writers hold the customer's topic lock until they commit).
	FeedCursor string
}

// newestFirst is the notifications' order: the newest on top, by id.
// A customer's notification ids follow delivery order (deliverInApp
// writes under the customer's topic lock), where two delivered in one
// second would tie on created_at.
var newestFirst = ent.WithNotificationOrder(&ent.NotificationOrder{
	Direction: entgql.OrderDirectionDesc, Field: ent.DefaultNotificationOrder.Field})

// Notifications returns a page of customerID's notifications as the
// viewer in ctx may see them: a customer only ever their own (ent's
// privacy rule), staff anyone's.
func (s *Service) Notifications(ctx context.Context, customerID int, after *entgql.Cursor[int], first *int, before *entgql.Cursor[int], last *int) (*NotificationPage, error) {
	latest, err := latestNotificationChange(ctx, s.db.Client, customerID)
	if err != nil {
		return nil, err
	}
	q := s.db.Notification.Query().Where(notification.CustomerID(customerID))
	conn, err := q.Paginate(ctx, after, first, before, last, newestFirst)
	if err != nil {
		return nil, err
	}
	unread, err := s.unread(ctx, customerID)
	if err != nil {
		return nil, err
	}
	return &NotificationPage{NotificationConnection: conn, UnreadCount: unread, FeedCursor: notificationCursors.Encode(latest)}, nil
}

// unread counts customerID's unread notifications the viewer may see.
func (s *Service) unread(ctx context.Context, customerID int) (int, error) {
	return s.db.Notification.Query().Where(notification.CustomerID(customerID), notification.ReadAtIsNil()).Count(ctx)
}

// MarkReadResult is what markNotificationsRead answers
// (MarkNotificationsReadPayload).
type MarkReadResult struct {
	// Marked is how many notifications this call marked read (those read
	// already keep their time and do not count).
	Marked int
	// UnreadCount is the customer's unread count afterwards.
	UnreadCount int
	// Notifications are the notifications named by ids, as they are now
	// (empty for all).
	Notifications []*ent.Notification
}

// MarkRead marks the signed-in customer's notifications read: those
// named by ids, or all of them. Exactly one of the two is given. An id
// that is not one of the customer's notifications (missing, or another
// customer's: the two look alike) is NOT_FOUND and marks nothing.
func (s *Service) MarkRead(ctx context.Context, ids []int, all *bool) (*MarkReadResult, error) {
	v, err := auth.RequireCustomer(ctx, "notifications are a customer's; staff read the outbox (messages)")
	if err != nil {
		return nil, err
	}
	everything := all != nil && *all
	switch {
	case everything && len(ids) > 0:
		return nil, errs.Invalid("all", "give ids or all: true, not both")
	case !everything && len(ids) == 0:
		return nil, errs.Invalid("ids", "name the notifications to mark read, or give all: true")
	case len(ids) > MaxMarkRead:
		return nil, errs.Invalid("ids", "at most %d at once (all: true marks every one)", MaxMarkRead)
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	cid := v.CustomerID
	res := &MarkReadResult{}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		mine := notification.CustomerID(cid)
		if !everything {
			found, err := tx.Notification.Query().Where(mine, notification.IDIn(ids...)).IDs(ctx)
			if err != nil {
				return err
			}
			if len(found) != len(ids) {
				for _, id := range ids {
					if !slices.Contains(found, id) {
						return errs.Errorf(errs.NotFound, "no notification %d", id)
					}
				}
			}
		}
		up := tx.Notification.Update().Where(mine, notification.ReadAtIsNil()).SetReadAt(s.now())
		if !everything {
			up.Where(notification.IDIn(ids...))
		}
		n, err := up.Save(ctx)
		res.Marked = n
		return err
	})
	if err != nil {
		return nil, err
	}
	if res.UnreadCount, err = s.unread(ctx, cid); err != nil {
		return nil, err
	}
	if !everything {
		res.Notifications, err = s.db.Notification.Query().Where(notification.IDIn(ids...)).Order(notification.ByID()).All(ctx)
	}
	return res, err
}
