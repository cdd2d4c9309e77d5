// A moderated item's card, wherever the admin meets one (the queue, the
// published posts, an item opened from the decisions): its content, the
// decisions its status allows, its audit trail and its author.
import { useEffect, useState } from 'preact/hooks';
import {
  adminModerateOp,
  itemTrailOp,
  nodes,
  type Decision,
  type ModeratedItem,
  type ModerateData,
  type ModerateInput,
  type ModerationAction,
  type TrailData,
} from '../api/communityOperations';
import { actionLabel, actionsFor, describeCommunityError, itemHeading, needsReason, postStatusText } from '../community';
import { ErrorNotice, Spinner, StatusPill } from '../components/common';
import { formatDateTime } from '../format';
import { mutate, query } from './api';
import { AuthorRecord } from './Author';
import { DecisionList } from './DecisionList';
import { decidedByYou, type EntryState } from './queue';
import { useLoad } from './useLoad';

/**
 * ItemCard shows a review, post or comment with what the rule saw (watched
 * words), the decisions that apply to its status with a reason box, its
 * audit trail and its author on request. In the queue, state says what
 * became of it (decided here, or gone by another hand); elsewhere the card
 * keeps its own outcome.
 */
export function ItemCard({
  item: given,
  state,
  onDecided,
}: {
  item: ModeratedItem;
  state?: EntryState;
  onDecided?: (item: ModeratedItem, action: ModerationAction) => void;
}) {
  const [item, setItem] = useState(given);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [panel, setPanel] = useState<'trail' | 'author' | null>(null);
  // The queue hands a fresher item when it enters again or is decided.
  useEffect(() => setItem(given), [given]);

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
      setDone(decidedByYou(action));
      onDecided?.(d.moderate.item, action);
    } catch (err) {
      setError(describeCommunityError(err));
    } finally {
      setBusy(false);
    }
  };

  const outcome = state?.kind === 'decided' ? state.words : state ? null : done;
  const toggle = (p: 'trail' | 'author') => setPanel((open) => (open === p ? null : p));
  return (
    <article
      class={`card admin-item${state?.kind === 'left' ? ' admin-item-left' : ''}`}
      data-testid="queue-item"
      data-item-id={item.id}
      data-status={item.status}
      data-state={state?.kind}
    >
      <div class="admin-item-head">
        <strong data-testid="item-heading">{itemHeading(item)}</strong>
        <StatusPill label={postStatusText(item.status, item.statusReason)} testid="item-status" />
        <span class="muted small">{formatDateTime(item.createdAt)}</span>
      </div>
      {state?.kind === 'left' && (
        <p class="small notice" role="status" data-testid="left-note">
          {state.words}
        </p>
      )}
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
          Tags: {item.productTags.map((t) => `${t.product.name}${t.verifiedBuyer ? ' (verified buyer)' : ''}`).join(', ')}
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
        <button type="button" class="link" data-testid="show-trail" onClick={() => toggle('trail')}>
          {panel === 'trail' ? 'Hide history' : 'History'}
        </button>
        <button type="button" class="link" data-testid="show-item-author" onClick={() => toggle('author')}>
          {panel === 'author' ? 'Hide the author' : 'Author and silence'}
        </button>
      </div>
      {outcome && (
        <p class="small tone-text-good" role="status" data-testid="decided">
          {outcome}.
        </p>
      )}
      {error && (
        <p class="notice notice-error" role="alert" data-testid="item-error">
          {error}
        </p>
      )}
      {panel === 'trail' && <Trail key={item.status} itemId={item.id} />}
      {panel === 'author' && <ItemAuthor itemId={item.id} />}
    </article>
  );
}

/** useItemTrail loads an item's audit trail, oldest first. */
function useItemTrail(itemId: string) {
  return useLoad(async () => nodes((await query<TrailData, { itemId: string }>(itemTrailOp, { itemId })).moderationDecisions.edges));
}

/** authorOf finds the item's author in its trail (every write records one). */
function authorOf(trail: readonly Decision[]): string | null {
  return trail.find((d) => d.authorId)?.authorId ?? null;
}

/** Trail is an item's audit trail, and from it its author's record. */
function Trail({ itemId }: { itemId: string }) {
  const [state, reload] = useItemTrail(itemId);
  const [author, setAuthor] = useState(false);
  if (state.status === 'loading') {
    return <Spinner label="Loading the history…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  const authorId = authorOf(state.data);
  return (
    <div class="trail" data-testid="trail">
      <DecisionList decisions={state.data} empty="No decisions on this item yet." />
      {authorId && (
        <button type="button" class="link small" data-testid="show-author" onClick={() => setAuthor((a) => !a)}>
          {author ? 'Hide the author' : "The author's record and trust"}
        </button>
      )}
      {author && authorId && <AuthorRecord authorId={authorId} />}
    </div>
  );
}

/** ItemAuthor opens the item's author straight away: who they are, their silence, their record. */
function ItemAuthor({ itemId }: { itemId: string }) {
  const [state, reload] = useItemTrail(itemId);
  if (state.status === 'loading') {
    return <Spinner label="Finding the author…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  const authorId = authorOf(state.data);
  return authorId ? (
    <AuthorRecord authorId={authorId} />
  ) : (
    <p class="muted small" data-testid="author-unknown">
      The trail does not name this item's author, so there is no one to silence from here.
    </p>
  );
}
