import { orderHref } from '../../router';
import { notifications, useNotifications } from './store';
import './notifications.css';

/**
 * LiveNotice shows, on the page it is part of (the order page), the
 * notifications that arrived while the page was open, newest first, until
 * the customer dismisses them (which marks them read).
 */
export function LiveNotice() {
  const { list } = useNotifications();
  const fresh = list.items.filter((n) => list.fresh.includes(n.id) && !n.readAt);
  if (fresh.length === 0) {
    return null;
  }
  return (
    <section class="live-notice card" role="status" aria-live="polite" data-testid="live-notifications">
      {fresh.map((n) => (
        <div key={n.id} class="live-notice-item" data-testid="live-notification" data-id={n.id}>
          <strong>{n.order ? <a href={orderHref(n.order.number)}>{n.title}</a> : n.title}</strong>
          <p class="small">{n.body}</p>
        </div>
      ))}
      <button
        type="button"
        class="link"
        data-testid="live-notifications-dismiss"
        onClick={() => void notifications.markRead(fresh.map((n) => n.id))}
      >
        Dismiss
      </button>
    </section>
  );
}
