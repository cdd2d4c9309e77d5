// useLoyaltyFeed follows loyaltyUpdated (the viewer's balance and tier) on
// the shared socket through a StreamFeed: after a drop it resubscribes with
// `after: <its last cursor>`, so a redemption or an adjustment made while
// the connection was down reaches the page once, when it is back. The
// first subscription has no cursor, so it catches up with a refetch.
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, live, session } from '../api/client';
import { loyaltyUpdatesOp, type LoyaltyUpdate, type LoyaltyUpdatesData } from '../api/rewardOperations';
import { StreamFeed, type FeedState } from './streamFeed';

/** useLoyaltyFeed calls onUpdate with each change of the viewer's loyalty once loaded is true. */
export function useLoyaltyFeed(
  loaded: boolean,
  onUpdate: (u: LoyaltyUpdate) => void,
  resync: () => Promise<void>,
): { state: FeedState; retry: () => void } {
  const [state, setState] = useState<FeedState>({ status: 'connecting', synced: false, error: null, retryAt: null });
  const feed = useRef<StreamFeed<LoyaltyUpdatesData, LoyaltyUpdate> | null>(null);
  const handlers = useRef({ onUpdate, resync });
  handlers.current = { onUpdate, resync };

  useEffect(() => {
    if (!loaded) {
      return;
    }
    const f = new StreamFeed<LoyaltyUpdatesData, LoyaltyUpdate>({
      document: loyaltyUpdatesOp,
      variables: (after) => ({ after }),
      pick: (d) => d.loyaltyUpdated,
      client,
      live,
      session,
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
  }, [loaded]);

  return { state, retry: () => feed.current?.retryNow() };
}
