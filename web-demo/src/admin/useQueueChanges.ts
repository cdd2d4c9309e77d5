// useQueueChanges follows moderationQueueChanged for the queue screen, on
// the admin's own socket, through a StreamFeed (src/live): after a drop it
// resubscribes with `after: <the last cursor>`, so items that entered or
// left meanwhile, on any instance, arrive once each when it is back. A
// subscription without a cursor (the first, or before any event came)
// carries only what commits after the server joined it: the feed then
// calls resync, which refetches the queue.
import { useEffect, useRef, useState } from 'preact/hooks';
import { StreamFeed, type FeedState } from '../live/streamFeed';
import { admin } from './api';
import { queueChangesOp, type QueueChangesData, type QueueUpdate } from './operations';

/**
 * useQueueChanges calls onUpdate for every item that enters or leaves the
 * queue and resync when the page must catch up by a refetch; it returns
 * the feed's state for the banner and a way to retry now.
 */
export function useQueueChanges(onUpdate: (u: QueueUpdate) => void, resync: () => Promise<void>): { state: FeedState; retry: () => void } {
  const [state, setState] = useState<FeedState>({ status: 'connecting', synced: false, error: null, retryAt: null });
  const feed = useRef<StreamFeed<QueueChangesData, QueueUpdate> | null>(null);
  const handlers = useRef({ onUpdate, resync });
  handlers.current = { onUpdate, resync };

  useEffect(() => {
    const f = new StreamFeed<QueueChangesData, QueueUpdate>({
      document: queueChangesOp,
      variables: (after) => ({ after }),
      pick: (d) => d.moderationQueueChanged,
      client: admin.client,
      live: admin.live,
      session: admin.session,
      onUpdate: (u) => handlers.current.onUpdate(u),
      onState: setState,
      resync: () => handlers.current.resync(),
    });
    feed.current = f;
    f.start();
    return () => {
      f.stop();
      feed.current = null;
    };
  }, []);

  return { state, retry: () => feed.current?.retryNow() };
}
