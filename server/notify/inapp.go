package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/notification"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/pubsub"
)

// transportInApp is the transport recorded on a delivered IN_APP message.
const transportInApp = "in_app"

// NotificationNamespace is the notificationAdded feed's topic namespace:
// a customer's notifications are "notification:<customer id>". It is the
// wire format between instances.
const NotificationNamespace = "notification"

// NotificationTopic is the pubsub topic of a customer's notifications.
func NotificationTopic(customerID int) string { return live.Topic(NotificationNamespace, customerID) }

// deliverInApp delivers an IN_APP message: its Notification (title the
// rendered subject, body the rendered text) and the feed's change row,
// written in one transaction and announced on commit. The notification's
// message is unique, so a dispatch tried again after this committed (a
// crash before SENT was recorded, a staff retry) finds it written and
// writes nothing: an in-app message is delivered exactly once.
func (s *Service) deliverInApp(ctx context.Context, m *ent.Message) error {
	if m.CustomerID == nil {
		return errors.New("an in-app message without a customer")
	}
	cid := *m.CustomerID
	link, err := s.inAppLink(ctx, m)
	if err != nil {
		return err
	}
	return s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		// The customer's writers take turns from here to commit, so the
		// change ids follow commit order (server/live's contract).
		if err := live.LockTopic(ctx, tx, s.db.Dialect, NotificationTopic(cid)); err != nil {
			return err
		}
		id, err := tx.Notification.Create().SetCustomerID(cid).SetKind(notification.Kind(m.Kind)).
			SetTitle(deref(m.Subject)).SetBody(deref(m.BodyText)).SetNillableLink(link).
			SetNillableOrderID(m.OrderID).SetMessageID(m.ID).SetCreatedAt(s.now()).
			OnConflictColumns(notification.FieldMessageID).DoNothing().ID(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // delivered by an earlier attempt
		}
		if err != nil {
			return fmt.Errorf("writing the notification: %w", err)
		}
		ch, err := tx.NotificationChange.Create().SetCustomerID(cid).SetNotificationID(id).SetCreatedAt(s.now()).Save(ctx)
		if err != nil {
			return err
		}
		if s.cfg.Broker == nil {
			return nil
		}
		return s.cfg.Broker.Publish(ctx, tx, pubsub.Message{Topic: NotificationTopic(cid), ID: ch.ID})
	})
}

// inAppLink is where a notification leads: the page of the order it is
// about (Config.OrderURL), or nowhere.
func (s *Service) inAppLink(ctx context.Context, m *ent.Message) (*string, error) {
	pattern := *s.orderURL.Load()
	if m.OrderID == nil || pattern == "" {
		return nil, nil
	}
	o, err := s.db.Order.Get(auth.WithSystem(ctx), *m.OrderID)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	link := strings.ReplaceAll(pattern, "{number}", url.PathEscape(o.Number))
	return &link, nil
}

// inAppDefault is kind's shipped IN_APP template: its .in_app files, or,
// for a kind that ships none, its EMAIL subject and text with no HTML.
func inAppDefault(kind message.Kind) (Template, error) {
	base := "templates/" + strings.ToLower(string(kind)) + ".in_app"
	subject, serr := defaults.ReadFile(base + ".subject.tmpl")
	text, terr := defaults.ReadFile(base + ".txt.tmpl")
	if serr == nil && terr == nil {
		return Template{Subject: string(subject), Text: string(text)}, nil
	}
	email, err := DefaultTemplate(kind, message.ChannelEMAIL)
	if err != nil {
		return Template{}, err
	}
	return Template{Subject: email.Subject, Text: email.Text}, nil
}
