// useCommentFeed follows commentAdded for the post on screen on the shared
// socket, through a StreamFeed (resume after a drop from its last cursor,
// each update once), starting after the cursor of the page's own read when
// it has one, else catching up with a refetch of the thread.
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, live, session } from '../api/client';
import { commentChangesOp, type CommentChange, type CommentChangesData } from '../api/communityOperations';
import { StreamFeed, type FeedState } from './streamFeed';

/**
 * useCommentFeed calls onChange with each change to postId's comments; it
 * starts once the thread has loaded (from is undefined until then).
 */
export function useCommentFeed(
  postId: string | null,
  from: string | null | undefined,
  onChange: (c: CommentChange) => void,
  resync: () => Promise<void>,
): { state: FeedState; retry: () => void } {
  const [state, setState] = useState<FeedState>({ status: 'connecting', synced: false, error: null, retryAt: null });
  const feed = useRef<StreamFeed<CommentChangesData, CommentChange> | null>(null);
  const handlers = useRef({ onChange, resync });
  handlers.current = { onChange, resync };
  const loaded = postId !== null && from !== undefined;

  useEffect(() => {
    if (!loaded) {
      return;
    }
    const f = new StreamFeed<CommentChangesData, CommentChange>({
      document: commentChangesOp,
      variables: (after) => ({ postId, after }),
      pick: (d) => d.commentAdded,
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
  }, [postId, loaded]);

  return { state, retry: () => feed.current?.retryNow() };
}
