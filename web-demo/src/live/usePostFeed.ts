// usePostFeed follows postChanged for the posts on screen (one topic, or
// all) on the shared socket, through a StreamFeed: it resubscribes after a
// drop with `after: <its last cursor>`, so a post approved, edited or
// hidden while the connection was down reaches the page once it is back,
// exactly once. It starts after the cursor of the page's own read when it
// has one, so nothing committed between the read and the subscription is
// lost; without one it catches up with a refetch of the feed's first page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, live, session } from '../api/client';
import { postChangesOp, type PostChange, type PostChangesData } from '../api/communityOperations';
import { StreamFeed, type FeedState } from './streamFeed';

/**
 * usePostFeed calls onChange with each change to the visible posts of
 * topic (null: all topics) and, after subscribing without a cursor, calls
 * resync. It starts once the feed has loaded (from is undefined until
 * then), and again after each new read (generation).
 */
export function usePostFeed(
  topic: string | null,
  from: string | null | undefined,
  generation: number,
  onChange: (c: PostChange) => void,
  resync: () => Promise<void>,
): { state: FeedState; retry: () => void } {
  const [state, setState] = useState<FeedState>({ status: 'connecting', synced: false, error: null, retryAt: null });
  const feed = useRef<StreamFeed<PostChangesData, PostChange> | null>(null);
  const handlers = useRef({ onChange, resync });
  handlers.current = { onChange, resync };
  const loaded = from !== undefined;

  useEffect(() => {
    if (!loaded) {
      return;
    }
    const f = new StreamFeed<PostChangesData, PostChange>({
      document: postChangesOp,
      variables: (after) => ({ topic, after }),
      pick: (d) => d.postChanged,
      client,
      live,
      session,
      from,
      onUpdate: (u) => handlers.current.onChange(u),
      onState: setState,
      resync: () => handlers.current.resync(),
    });
    feed.current = f;
    f.start();
    return () => {
      f.stop();
      feed.current = null;
    };
  }, [topic, loaded, generation]);

  return { state, retry: () => feed.current?.retryNow() };
}
