// The notification list's rules as pure functions (list.test.ts): what
// the bell shows after a page load, a live arrival or a read.
import type { ShownNotification } from './operations';

export interface NotificationList {
  /** Newest first, each once. */
  items: ShownNotification[];
  unread: number;
  /** Ids that arrived live while the page was open, newest first. */
  fresh: string[];
}

export const emptyList: NotificationList = { items: [], unread: 0, fresh: [] };

/** loaded replaces the list with a page read from the server, keeping what arrived live meanwhile. */
export function loaded(l: NotificationList, items: ShownNotification[], unread: number): NotificationList {
  const ids = new Set(items.map((n) => n.id));
  const newer = l.items.filter((n) => !ids.has(n.id) && l.fresh.includes(n.id));
  return { items: [...newer, ...items], unread: unread + newer.filter((n) => !n.readAt).length, fresh: l.fresh };
}

/**
 * added puts a notification that arrived live on top. One the list holds
 * already (the page read it, and the feed, which starts at the page's
 * position, replayed it) changes nothing.
 */
export function added(l: NotificationList, n: ShownNotification): NotificationList {
  if (l.items.some((x) => x.id === n.id)) {
    return l;
  }
  return { items: [n, ...l.items], unread: l.unread + (n.readAt ? 0 : 1), fresh: [n.id, ...l.fresh] };
}

/** read applies a markNotificationsRead answer: the read times it gave (all when ids is null), and the server's count. */
export function read(l: NotificationList, ids: string[] | null, readAt: string, unread: number): NotificationList {
  const marked = ids === null ? null : new Set(ids);
  return {
    ...l,
    items: l.items.map((n) => (!n.readAt && (marked === null || marked.has(n.id)) ? { ...n, readAt } : n)),
    unread,
  };
}
