import { useState } from 'preact/hooks';
import { formatDateTime } from '../../format';
import { orderHref } from '../../router';
import type { ShownNotification } from './operations';
import { notifications, useNotifications } from './store';
import './notifications.css';

/** NotificationBell is the header's bell: the unread count, and the list it opens. */
export function NotificationBell() {
  const { list, error, feed } = useNotifications();
  const [open, setOpen] = useState(false);
  return (
    <div class="bell-wrap">
      <button
        type="button"
        class="bell"
        data-testid="notifications-bell"
        data-unread={list.unread}
        data-live={feed.status}
        aria-expanded={open}
        aria-label={list.unread ? `Notifications, ${list.unread} unread` : 'Notifications'}
        onClick={() => setOpen(!open)}
      >
        <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2">
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {list.unread > 0 && (
          <span class="bell-count" data-testid="notifications-unread">
            {list.unread > 99 ? '99+' : list.unread}
          </span>
        )}
      </button>
      {open && (
        <section class="bell-panel card" data-testid="notifications-panel" aria-label="Notifications">
          <div class="bell-head">
            <h2 class="subtitle">Notifications</h2>
            {list.unread > 0 && (
              <button type="button" class="link" data-testid="notifications-read-all" onClick={() => void notifications.markRead(null)}>
                Mark all read
              </button>
            )}
          </div>
          {error && <p class="muted small">{error}</p>}
          {list.items.length === 0 ? (
            <p class="muted small">Nothing yet. Order updates appear here.</p>
          ) : (
            <ul class="plain bell-list">
              {list.items.map((n) => (
                <NotificationItem key={n.id} n={n} onOpen={() => setOpen(false)} />
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}

function NotificationItem({ n, onOpen }: { n: ShownNotification; onOpen: () => void }) {
  const open = () => {
    if (!n.readAt) {
      void notifications.markRead([n.id]);
    }
    onOpen();
  };
  return (
    <li class={`bell-item ${n.readAt ? '' : 'unread'}`} data-testid="notification" data-id={n.id} data-read={String(!!n.readAt)}>
      {n.order ? (
        <a href={orderHref(n.order.number)} onClick={open} data-testid="notification-title">
          {n.title}
        </a>
      ) : (
        <button type="button" class="link" onClick={open} data-testid="notification-title">
          {n.title}
        </button>
      )}
      <p class="small">{n.body}</p>
      <p class="muted small">{formatDateTime(n.createdAt)}</p>
    </li>
  );
}
