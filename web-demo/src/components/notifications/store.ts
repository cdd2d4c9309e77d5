// The signed-in customer's notifications, shared by the bell and the order
// page's live notice: one page read and one notificationAdded stream for
// the whole app, whoever shows them. The stream starts at the page's
// feedCursor, so nothing delivered between the read and the subscription
// is missed, and after a drop it resumes from its last cursor (StreamFeed).
import { useEffect, useState } from 'preact/hooks';
import { client, live, mutate, query, session } from '../../api/client';
import { describeError } from '../../api/errors';
import { StreamFeed, type FeedState } from '../../live/streamFeed';
import { added, emptyList, loaded, read, type NotificationList } from './list';
import {
  markReadOp,
  myNotificationsOp,
  notificationFeedOp,
  type MarkReadData,
  type MyNotificationsData,
  type NotificationAdded,
  type NotificationFeedData,
} from './operations';

export interface NotificationsState {
  list: NotificationList;
  loaded: boolean;
  error: string | null;
  feed: FeedState;
}

const initial: NotificationsState = {
  list: emptyList,
  loaded: false,
  error: null,
  feed: { status: 'connecting', synced: false, error: null, retryAt: null },
};

class NotificationsStore {
  private state = initial;
  private readonly listeners = new Set<(s: NotificationsState) => void>();
  private feed: StreamFeed<NotificationFeedData, NotificationAdded> | null = null;
  private generation = 0;

  get current(): NotificationsState {
    return this.state;
  }

  /** subscribe starts the store with its first listener and stops it with its last. */
  subscribe(fn: (s: NotificationsState) => void): () => void {
    this.listeners.add(fn);
    if (this.listeners.size === 1) {
      void this.start();
    }
    fn(this.state);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) {
        this.stop();
      }
    };
  }

  /** markRead marks the named notifications read, or all of them. */
  async markRead(ids: string[] | null): Promise<void> {
    try {
      const d = await mutate<MarkReadData, { ids?: string[]; all?: boolean }>(markReadOp, ids ? { ids } : { all: true });
      this.set({ list: read(this.state.list, ids, new Date().toISOString(), d.markNotificationsRead.unreadCount), error: null });
    } catch (err) {
      this.set({ error: describeError(err) });
    }
  }

  private set(patch: Partial<NotificationsState>) {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((fn) => fn(this.state));
  }

  /** load reads the newest page; it returns the feed position it was read at. */
  private async load(): Promise<string | null> {
    const d = await query<MyNotificationsData, Record<string, never>>(myNotificationsOp, {});
    const page = d.viewer?.notifications;
    if (!page) {
      this.set({ loaded: true });
      return null;
    }
    this.set({ list: loaded(this.state.list, page.edges.map((e) => e.node), page.unreadCount), loaded: true, error: null });
    return page.feedCursor;
  }

  private async start() {
    const generation = ++this.generation;
    let from: string | null;
    try {
      from = await this.load();
    } catch (err) {
      this.set({ loaded: true, error: describeError(err) });
      from = null;
    }
    if (generation !== this.generation || from === null) {
      return;
    }
    const f = new StreamFeed<NotificationFeedData, NotificationAdded>({
      document: notificationFeedOp,
      variables: (after) => ({ after }),
      pick: (d) => d.notificationAdded,
      client,
      live,
      session,
      from,
      onUpdate: (u) => this.set({ list: added(this.state.list, u.notification) }),
      onState: (feed) => this.set({ feed }),
      resync: async () => {
        await this.load();
      },
    });
    this.feed = f;
    f.start();
  }

  private stop() {
    this.generation++;
    this.feed?.stop();
    this.feed = null;
    this.state = initial;
  }
}

/** notifications is the app's one store. */
export const notifications = new NotificationsStore();

/** useNotifications follows the store while the component is mounted. */
export function useNotifications(): NotificationsState {
  const [state, setState] = useState<NotificationsState>(notifications.current);
  useEffect(() => notifications.subscribe(setState), []);
  return state;
}
