import { useEffect, useState } from 'preact/hooks';
import { awaitingReplyOp, nodes, replyToReviewOp, type AwaitingReplyData, type AwaitingReview } from '../api/communityOperations';
import { describeCommunityError } from '../community';
import { ErrorNotice, Spinner } from '../components/common';
import { formatDate } from '../format';
import { stars, starsLabel } from '../reviews';
import { mutate, query } from './api';

/**
 * Replies lists the negative reviews no one from the store has answered
 * yet (reviewsAwaitingReply), each with a reply box; a review answered
 * leaves the list.
 */
export function Replies() {
  const [state, setState] = useState<{ total: number; reviews: AwaitingReview[]; endCursor: string | null; more: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  const fetchPage = async (after: string | null) => {
    const d = await query<AwaitingReplyData, { after: string | null }>(awaitingReplyOp, { after });
    const c = d.reviewsAwaitingReply;
    return { total: c.totalCount, reviews: nodes(c.edges), endCursor: c.pageInfo.endCursor, more: c.pageInfo.hasNextPage };
  };
  useEffect(() => {
    setError(null);
    fetchPage(null).then(setState, (err: unknown) => setError(describeCommunityError(err)));
  }, [attempt]);

  return (
    <section data-testid="awaiting-reply">
      <h1 class="title">
        Reviews awaiting a reply{state && <span class="count">{state.total}</span>}
      </h1>
      <p class="muted">Negative reviews (three stars or fewer) the store has not answered, oldest first.</p>
      {error && <ErrorNotice message={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {!state && !error && <Spinner label="Loading reviews…" />}
      {state &&
        (state.reviews.length === 0 ? (
          <div class="empty">
            <p>Every negative review has a reply.</p>
          </div>
        ) : (
          <ul class="admin-list">
            {state.reviews.map((r) => (
              <li key={r.id}>
                <ReplyCard review={r} onReplied={() => setState((s) => s && { ...s, total: s.total - 1, reviews: s.reviews.filter((x) => x.id !== r.id) })} />
              </li>
            ))}
          </ul>
        ))}
      {state?.more && (
        <button
          type="button"
          class="button button-secondary"
          onClick={async () => {
            try {
              const next = await fetchPage(state.endCursor);
              setState((s) => s && { ...next, reviews: [...s.reviews, ...next.reviews.filter((r) => !s.reviews.some((x) => x.id === r.id))] });
            } catch (err) {
              setError(describeCommunityError(err));
            }
          }}
        >
          Load more
        </button>
      )}
    </section>
  );
}

function ReplyCard({ review: r, onReplied }: { review: AwaitingReview; onReplied: () => void }) {
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await mutate(replyToReviewOp, { input: { reviewId: r.id, body } });
      onReplied();
    } catch (err) {
      setError(describeCommunityError(err));
      setBusy(false);
    }
  };
  return (
    <article class="card admin-item" data-testid="awaiting-review" data-review-id={r.id}>
      <div class="admin-item-head">
        <span class="stars" aria-label={starsLabel(r.rating)}>
          {stars(r.rating)}
        </span>
        <strong>{r.product.name}</strong>
        <span class="muted small">
          {r.author.displayName} · {formatDate(r.createdAt)}
        </span>
      </div>
      {r.title && <strong>{r.title}</strong>}
      <p class="post-body">{r.body}</p>
      <form class="reply-form" onSubmit={send}>
        <textarea
          rows={2}
          data-testid="reply-input"
          placeholder={`Reply to ${r.author.displayName} as the store`}
          value={body}
          maxLength={2000}
          onInput={(e) => setBody(e.currentTarget.value)}
        />
        <button type="submit" class="button" data-testid="send-reply" disabled={busy || !body.trim()}>
          {busy ? 'Sending…' : 'Reply'}
        </button>
      </form>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
