// usePostFeed follows postAdded for the feed on screen (one topic, or all)
// on the shared socket, through a StreamFeed: it resubscribes after a drop
// with `after: <its last cursor>`, so a post approved while the connection
// was down arrives once it is back, exactly once; a subscription without a
// cursor catches up with a refetch of the feed's first page.
//
// The server does not have postAdded yet (community3): until
// features.communityLive is on, the hook subscribes to nothing and says
// so ('off'), and the page offers "Check for new posts" instead.
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, live, session } from '../api/client';
import { postAddedOp, type Post, type PostAddedData } from '../api/communityOperations';
import { features } from '../features';
import { StreamFeed, type FeedState } from './streamFeed';

/** PostFeedState is a StreamFeed's state, or 'off' while the server has no postAdded. */
export type PostFeedState = FeedState | { status: 'off' };

/**
 * usePostFeed calls onPosts with each post that becomes visible in topic
 * (null: all topics) and, after subscribing without a cursor, with the
 * posts resync returns. enabled gates it on the feed having loaded.
 */
export function usePostFeed(
  topic: string | null,
  enabled: boolean,
  onPosts: (posts: Post[]) => void,
  resync: () => Promise<Post[]>,
): { state: PostFeedState; retry: () => void } {
  const [state, setState] = useState<PostFeedState>(
    features.communityLive ? { status: 'connecting', synced: false, error: null, retryAt: null } : { status: 'off' },
  );
  const feed = useRef<StreamFeed<PostAddedData, PostAddedData['postAdded']> | null>(null);
  const handlers = useRef({ onPosts, resync });
  handlers.current = { onPosts, resync };

  useEffect(() => {
    if (!features.communityLive || !enabled) {
      return;
    }
    const f = new StreamFeed<PostAddedData, PostAddedData['postAdded']>({
      document: postAddedOp,
      variables: (after) => ({ topic, after }),
      pick: (d) => d.postAdded,
      client,
      live,
      session,
      onUpdate: (u) => handlers.current.onPosts([u.post]),
      onState: setState,
      resync: async () => handlers.current.onPosts(await handlers.current.resync()),
    });
    feed.current = f;
    f.start();
    return () => {
      f.stop();
      feed.current = null;
    };
  }, [topic, enabled]);

  return { state, retry: () => feed.current?.retryNow() };
}
