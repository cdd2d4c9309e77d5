import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  adminItemOp,
  adminModerateOp,
  adminQueueOp,
  adminRecentPostsOp,
  authorTrailOp,
  itemTrailOp,
  nodes,
  recentDecisionsOp,
  setTrustOp,
  type AdminItemData,
  type AdminQueueData,
  type AdminRecentPostsData,
  type Decision,
  type ModeratedItem,
  type ModerateData,
  type ModerateInput,
  type ModerationAction,
  type TrailData,
} from '../api/communityOperations';
import { actionLabel, actionsFor, applyQueueChange, decisionText, describeCommunityError, itemHeading, needsReason, postStatusText } from '../community';
import { formatDateTime } from '../format';
import { ErrorNotice, Spinner, StatusPill } from '../components/common';
import { mutate, query } from './api';
import { useQueueChanges } from './useQueueChanges';

type Load<T> = { status: 'loading' } | { status: 'failed'; error: string } | { status: 'done'; data: T };

/** useLoad runs load on mount and on reload(), keeping its result in words. */
function useLoad<T>(load: () => Promise<T>): [Load<T>, () => void, (f: (t: T) => T) => void] {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let cancelled = false;
    load().then(
      (data) => !cancelled && setState({ status: 'done', data }),
      (err: unknown) => !cancelled && setState({ status: 'failed', error: describeCommunityError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);
  const update = (f: (t: T) => T) => setState((s) => (s.status === 'done' ? { status: 'done', data: f(s.data) } : s));
  return [state, () => setAttempt((n) => n + 1), update];
}

/**
 * Queue is the moderation queue: every pending review and post, oldest
 * first, each with its decisions. It follows moderationQueueChanged when
 * the server has it (features.communityLive); meanwhile Refresh refetches.
 */
export function Queue() {
  const [state, reload, update] = useLoad(async () => {
    const d = await query<AdminQueueData, { after: string | null }>(adminQueueOp, { after: null });
    return { total: d.moderationQueue.totalCount, items: d.moderationQueue.edges.map((e) => e.node) };
  });
  const live = useQueueChanges((item) => {
    let refetch = false;
    update((q) => {
      const next = applyQueueChange(q.items, item);
      refetch = next.refetch;
      return { total: q.total - (q.items.length - next.queue.length), items: next.queue };
    });
    if (refetch) {
      reload();
    }
  }, reload);

  return (
    <section data-testid="queue">
      <div class="admin-head">
        <h1 class="title">
          Moderation queue
          {state.status === 'done' && (
            <span class="count" data-testid="queue-count">
              {state.data.total}
            </span>
          )}
        </h1>
        {live.status === 'off' ? (
          <button type="button" class="button button-secondary" data-testid="refresh" onClick={reload}>
            Refresh
          </button>
        ) : (
          <span class={`live live-${live.status === 'dropped' ? 'reconnecting' : live.status}`} data-testid="queue-live" data-state={live.status}>
            <span class="live-dot" aria-hidden="true" />
            {live.status === 'dropped' ? live.error : live.status === 'live' ? 'Live' : 'Connecting…'}
          </span>
        )}
      </div>
      {state.status === 'loading' && <Spinner label="Loading the queue…" />}
      {state.status === 'failed' && <ErrorNotice message={state.error} onRetry={reload} />}
      {state.status === 'done' &&
        (state.data.items.length === 0 ? (
          <div class="empty" data-testid="queue-empty">
            <p>Nothing waits for a decision. Well done.</p>
          </div>
        ) : (
          <ul class="admin-list">
            {state.data.items.map((item) => (
              <li key={item.id}>
                <ItemCard
                  item={item}
                  // The card stays, saying what was decided, until the
                  // next refresh; the count drops at once.
                  onDecided={(it) => update((q) => (it.status === 'PENDING' ? q : { ...q, total: q.total - 1 }))}
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
                    <button type="button" class="link" onClick={() => setOpen(open === d.id ? null : d.id)}>
                      {open === d.id ? 'Close' : 'Open item'}
                    </button>
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

/**
 * ItemCard shows a review or a post with what the rule saw (watched words),
 * the decisions that apply to its status with a reason box, and its audit
 * trail on request.
 */
export function ItemCard({ item: initial, onDecided }: { item: ModeratedItem; onDecided?: (item: ModeratedItem) => void }) {
  const [item, setItem] = useState(initial);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [trail, setTrail] = useState(false);

  const decide = async (action: ModerationAction) => {
    setError(null);
    if (needsReason(action) && !reason.trim()) {
      setError(`Say why you ${actionLabel(action).toLowerCase()} it: the author sees the reason.`);
      return;
    }
    setBusy(true);
    try {
      const input: ModerateInput = { itemId: item.id, action, reason: reason.trim() || null };
      const d = await mutate<ModerateData, { input: ModerateInput }>(adminModerateOp, { input });
      setItem(d.moderate.item);
      setReason('');
      setDone(decisionText({ ...d.moderate.decision }));
      onDecided?.(d.moderate.item);
    } catch (err) {
      setError(describeCommunityError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article class="card admin-item" data-testid="queue-item" data-item-id={item.id} data-status={item.status}>
      <div class="admin-item-head">
        <strong data-testid="item-heading">{itemHeading(item)}</strong>
        <StatusPill label={postStatusText(item.status, item.statusReason)} testid="item-status" />
        <span class="muted small">{formatDateTime(item.createdAt)}</span>
      </div>
      {item.title && <strong>{item.title}</strong>}
      <p class="post-body" data-testid="item-body">
        {item.body}
      </p>
      {!!item.media?.length && (
        <ul class="thumbs">
          {item.media.map((m) => (
            <li key={m.url}>
              <a href={m.url} target="_blank" rel="noopener">
                {m.kind === 'PHOTO' ? <img src={m.thumbnailUrl ?? m.url} alt="" width={88} height={88} /> : <span class="thumb-note">Video</span>}
              </a>
            </li>
          ))}
        </ul>
      )}
      {!!item.productTags?.length && (
        <p class="small">
          Tags:{' '}
          {item.productTags.map((t) => `${t.product.name}${t.verifiedBuyer ? ' (verified buyer)' : ''}`).join(', ')}
        </p>
      )}
      {!!item.watchedWords?.length && (
        <p class="small tone-text-alert" data-testid="item-words">
          Watched words: {item.watchedWords.join(', ')}
        </p>
      )}
      <div class="admin-actions">
        <input
          class="reason"
          data-testid="reason"
          placeholder="Reason (required to reject or hide; the author sees it)"
          value={reason}
          maxLength={500}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        {actionsFor(item.status).map((a) => (
          <button
            key={a}
            type="button"
            class={a === 'APPROVE' || a === 'RESTORE' ? 'button' : 'button button-secondary'}
            data-testid={`action-${a.toLowerCase()}`}
            disabled={busy}
            onClick={() => decide(a)}
          >
            {actionLabel(a)}
          </button>
        ))}
        <button type="button" class="link" data-testid="show-trail" onClick={() => setTrail((t) => !t)}>
          {trail ? 'Hide history' : 'History'}
        </button>
      </div>
      {done && (
        <p class="small tone-text-good" role="status" data-testid="decided">
          {done}.
        </p>
      )}
      {error && (
        <p class="notice notice-error" role="alert" data-testid="item-error">
          {error}
        </p>
      )}
      {trail && <Trail key={item.status} itemId={item.id} />}
    </article>
  );
}

/** Trail is an item's audit trail, and from it its author's record and trust. */
function Trail({ itemId }: { itemId: string }) {
  const [state, reload] = useLoad(async () => nodes((await query<TrailData, { itemId: string }>(itemTrailOp, { itemId })).moderationDecisions.edges));
  const [author, setAuthor] = useState(false);
  if (state.status === 'loading') {
    return <Spinner label="Loading the history…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  const authorId = state.data.find((d) => d.authorId)?.authorId ?? null;
  return (
    <div class="trail" data-testid="trail">
      <DecisionList decisions={state.data} />
      {authorId && (
        <button type="button" class="link small" data-testid="show-author" onClick={() => setAuthor((a) => !a)}>
          {author ? 'Hide the author' : "The author's record and trust"}
        </button>
      )}
      {author && authorId && <AuthorRecord authorId={authorId} />}
    </div>
  );
}

function DecisionList({ decisions }: { decisions: Decision[] }) {
  if (decisions.length === 0) {
    return <p class="muted small">No decisions yet.</p>;
  }
  return (
    <ol class="trail-list">
      {decisions.map((d) => (
        <li key={d.id} data-testid="trail-entry">
          <span class="muted small">{formatDateTime(d.createdAt)}</span> {d.itemType !== 'Post' && d.itemType !== 'Review' ? d.itemType : ''}{' '}
          <strong>{decisionText(d)}</strong>
          {d.reason && <span class="small">: {d.reason}</span>}
        </li>
      ))}
    </ol>
  );
}

/** AuthorRecord lists every decision on an author's content and sets their trust by hand. */
function AuthorRecord({ authorId }: { authorId: string }) {
  const [state, reload] = useLoad(async () => nodes((await query<TrailData, { authorId: string }>(authorTrailOp, { authorId })).moderationDecisions.edges));
  const [message, setMessage] = useState<string | null>(null);
  const setTrust = async (trust: 'AUTO' | 'TRUSTED' | 'RESTRICTED') => {
    try {
      await mutate(setTrustOp, { input: { customerId: authorId, trust } });
      setMessage(
        trust === 'AUTO' ? 'The rule decides again.' : trust === 'TRUSTED' ? 'Their posts publish at once.' : 'All their posts wait for approval.',
      );
    } catch (err) {
      setMessage(describeCommunityError(err));
    }
  };
  return (
    <div class="author-record" data-testid="author-record">
      {state.status === 'loading' && <Spinner label="Loading…" />}
      {state.status === 'failed' && <ErrorNotice message={state.error} onRetry={reload} />}
      {state.status === 'done' && <DecisionList decisions={state.data} />}
      <div class="admin-actions">
        <span class="small">Trust:</span>
        <button type="button" class="button button-secondary" onClick={() => setTrust('TRUSTED')}>
          Trusted
        </button>
        <button type="button" class="button button-secondary" onClick={() => setTrust('RESTRICTED')}>
          Restricted
        </button>
        <button type="button" class="link" onClick={() => setTrust('AUTO')}>
          Back to the rule
        </button>
      </div>
      {message && (
        <p class="small" role="status">
          {message}
        </p>
      )}
    </div>
  );
}
