// The moderation screens: the live queue, the newest published posts (to
// hide one) and the latest decisions (to find an item again).
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  adminItemOp,
  adminQueueOp,
  adminRecentPostsOp,
  nodes,
  recentDecisionsOp,
  type AdminItemData,
  type AdminQueueData,
  type AdminRecentPostsData,
  type TrailData,
} from '../api/communityOperations';
import { decisionText, describeCommunityError } from '../community';
import { ErrorNotice, Spinner } from '../components/common';
import { LiveBanner } from '../components/LiveBanner';
import { formatDateTime } from '../format';
import { query } from './api';
import { ItemCard } from './ItemCard';
import { decidedByYou, queueChanged, queueDecided, queueLoaded, type QueueModel, type QueuePage } from './queue';
import { useLoad } from './useLoad';
import { useQueueChanges } from './useQueueChanges';

/** fetchQueue reads the queue's first page and its count. */
async function fetchQueue(): Promise<QueuePage> {
  const d = await query<AdminQueueData, { after: string | null }>(adminQueueOp, { after: null });
  return { total: d.moderationQueue.totalCount, items: d.moderationQueue.edges.map((e) => e.node) };
}

/**
 * Queue is the moderation queue: every item waiting for a decision (pending,
 * or hidden by flags), oldest first, live over moderationQueueChanged. The
 * count moves only by the feed's events (queue.ts says why); a card the
 * admin decides stays with its outcome, one decided elsewhere stays with a
 * note, until Refresh.
 */
export function Queue() {
  const [model, setModel] = useState<QueueModel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setError(null);
    fetchQueue().then(
      (page) => !cancelled && setModel(queueLoaded(null, page)),
      (err: unknown) => !cancelled && setError(describeCommunityError(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);
  const live = useQueueChanges(
    (u) => setModel((m) => (m ? queueChanged(m, u) : m)),
    async () => {
      const page = await fetchQueue();
      setModel((m) => queueLoaded(m, page));
    },
  );
  const refresh = () => setAttempt((n) => n + 1);

  return (
    <section data-testid="queue">
      <div class="admin-head">
        <h1 class="title">
          Moderation queue
          {model && (
            <span class="count" data-testid="queue-count" aria-label={`${model.total} waiting`}>
              {model.total}
            </span>
          )}
        </h1>
        <button type="button" class="button button-secondary" data-testid="refresh" onClick={refresh}>
          Refresh
        </button>
      </div>
      <div data-testid="queue-live" data-state={live.state.status} data-synced={String(live.state.synced)}>
        <LiveBanner state={live.state} onRetry={live.retry} />
      </div>
      {!model && !error && <Spinner label="Loading the queue…" />}
      {error && <ErrorNotice message={error} onRetry={refresh} />}
      {model &&
        (model.entries.length === 0 ? (
          <div class="empty" data-testid="queue-empty">
            <p>{model.total > 0 ? 'Items wait beyond this page: refresh to see them.' : 'Nothing waits for a decision. Well done.'}</p>
          </div>
        ) : (
          <ul class="admin-list">
            {model.entries.map((e) => (
              <li key={e.item.id}>
                <ItemCard
                  item={e.item}
                  state={e.state}
                  onDecided={(it, action) => setModel((m) => (m ? queueDecided(m, it, decidedByYou(action)) : m))}
                />
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}

/** PublishedPosts lists the newest published posts, to hide one. */
export function PublishedPosts() {
  const [state, reload] = useLoad(async () => {
    const d = await query<AdminRecentPostsData, { after: string | null }>(adminRecentPostsOp, { after: null });
    return nodes(d.posts.edges);
  });
  return (
    <section data-testid="published-posts">
      <div class="admin-head">
        <h1 class="title">Published posts</h1>
        <button type="button" class="button button-secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      {state.status === 'loading' && <Spinner label="Loading posts…" />}
      {state.status === 'failed' && <ErrorNotice message={state.error} onRetry={reload} />}
      {state.status === 'done' &&
        (state.data.length === 0 ? (
          <div class="empty">
            <p>No published posts yet.</p>
          </div>
        ) : (
          <ul class="admin-list">
            {state.data.map((item) => (
              <li key={item.id}>
                <ItemCard item={item} />
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}

/** Decisions is the latest of the audit trail; any item in it opens, to restore or reject it. */
export function Decisions() {
  const [state, reload] = useLoad(async () => nodes((await query<TrailData, Record<string, never>>(recentDecisionsOp, {})).moderationDecisions.edges));
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section data-testid="decisions">
      <div class="admin-head">
        <h1 class="title">Latest decisions</h1>
        <button type="button" class="button button-secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      {state.status === 'loading' && <Spinner label="Loading decisions…" />}
      {state.status === 'failed' && <ErrorNotice message={state.error} onRetry={reload} />}
      {state.status === 'done' && state.data.length === 0 && (
        <div class="empty">
          <p>No decisions yet.</p>
        </div>
      )}
      {state.status === 'done' && state.data.length > 0 && (
        <table class="admin-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Item</th>
              <th>Decision</th>
              <th>Reason</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {state.data.map((d) => (
              <Fragment key={d.id}>
                <tr data-testid="decision">
                  <td>{formatDateTime(d.createdAt)}</td>
                  <td>{d.itemType}</td>
                  <td>{decisionText(d)}</td>
                  <td>{d.reason ?? ''}</td>
                  <td>
                    {/* A silence is about a customer, not an item to decide on. */}
                    {d.itemType !== 'Customer' && (
                      <button type="button" class="link" onClick={() => setOpen(open === d.id ? null : d.id)}>
                        {open === d.id ? 'Close' : 'Open item'}
                      </button>
                    )}
                  </td>
                </tr>
                {open === d.id && (
                  <tr>
                    <td colSpan={5}>
                      <ItemById id={d.itemId} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** ItemById loads an item in whatever state it is now. */
function ItemById({ id }: { id: string }) {
  const [state, reload] = useLoad(async () => (await query<AdminItemData, { id: string }>(adminItemOp, { id })).node);
  if (state.status === 'loading') {
    return <Spinner label="Loading the item…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  return state.data ? <ItemCard item={state.data} /> : <p class="muted">The item was deleted by its author.</p>;
}

