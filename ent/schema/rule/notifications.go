package rule

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/notification"
	"github.com/aftercart/aftercart/ent/privacy"
)

// ScopeNotifications lets a customer see only their own in-app
// notifications: another customer's looks exactly like a missing one, in
// lists, node(id:), nodes and counts alike.
func ScopeNotifications() privacy.QueryRule {
	return privacy.NotificationQueryRuleFunc(func(ctx context.Context, q *ent.NotificationQuery) error {
		return scope(ctx, func(cid int) { q.Where(notification.CustomerID(cid)) })
	})
}
