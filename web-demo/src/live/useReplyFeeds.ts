// useReplyFeeds follows reviewReplyAdded for every review on screen, one
// StreamFeed each on the one shared socket: each resubscribes after a
// drop with `after: <its last cursor>`, so a reply written while the
// connection was down arrives once it is back, exactly once. A feed that
// subscribed without a cursor catches up with a refetch of its thread.
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, live, query, session } from '../api/client';
import {
  nodes,
  reviewRepliesOp,
  reviewThreadOp,
  type Reply,
  type ReplyUpdate,
  type ReviewRepliesData,
  type ReviewThreadData,
} from '../api/reviewOperations';
import { StreamFeed, type FeedState, type LiveStatus } from './streamFeed';

/** combineStates is what one banner says for many feeds on one socket: the worst of them. */
export function combineStates(states: readonly FeedState[]): FeedState {
  const order: LiveStatus[] = ['stopped', 'offline', 'reconnecting', 'connecting', 'live'];
  if (states.length === 0) {
    return { status: 'connecting', synced: false, error: null, retryAt: null };
  }
  const worst = [...states].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status))[0];
  return { ...worst, synced: states.every((s) => s.synced) };
}

/**
 * useReplyFeeds streams replies to reviewIds, calling onReplies(reviewId,
 * replies) for each reply that arrives and for each catch-up, and returns
 * the combined feed state for a LiveBanner.
 */
export function useReplyFeeds(reviewIds: readonly string[], onReplies: (reviewId: string, replies: Reply[]) => void) {
  const feeds = useRef(new Map<string, StreamFeed<ReviewRepliesData, ReplyUpdate>>());
  const states = useRef(new Map<string, FeedState>());
  const [state, setState] = useState<FeedState>(combineStates([]));
  const handler = useRef(onReplies);
  handler.current = onReplies;
  const key = reviewIds.join(',');

  useEffect(() => {
    const wanted = new Set(reviewIds);
    for (const [id, f] of feeds.current) {
      if (!wanted.has(id)) {
        f.stop();
        feeds.current.delete(id);
        states.current.delete(id);
      }
    }
    for (const id of reviewIds) {
      if (feeds.current.has(id)) {
        continue;
      }
      const f = new StreamFeed<ReviewRepliesData, ReplyUpdate>({
        document: reviewRepliesOp,
        variables: (after) => ({ reviewId: id, after }),
        pick: (d) => d.reviewReplyAdded,
        client,
        live,
        session,
        onUpdate: (u) => handler.current(id, [u.reply]),
        onState: (s) => {
          states.current.set(id, s);
          setState(combineStates([...states.current.values()]));
        },
        resync: async () => {
          const d = await query<ReviewThreadData, { reviewId: string }>(reviewThreadOp, { reviewId: id });
          handler.current(id, nodes(d.node?.replies?.edges));
        },
      });
      feeds.current.set(id, f);
      f.start();
    }
    setState(combineStates([...states.current.values()]));
    // Keyed by the ids' list: a new array with the same ids changes nothing.
  }, [key]);

  useEffect(
    () => () => {
      for (const f of feeds.current.values()) {
        f.stop();
      }
      feeds.current.clear();
    },
    [],
  );

  return {
    state,
    retry: () => {
      for (const f of feeds.current.values()) {
        f.retryNow();
      }
    },
  };
}
