import { useEffect, useState } from 'preact/hooks';
import { query } from '../api/client';
import {
  nodes,
  productReviewsOp,
  type ListedReview,
  type ProductReviewsData,
  type Reply,
  type ReviewSummary,
} from '../api/reviewOperations';
import { formatDate, formatDateTime } from '../format';
import { useReplyFeeds } from '../live/useReplyFeeds';
import { countText, describeReviewError, formatAverage, histogramBars, mergeReplies, stars, starsLabel } from '../reviews';
import { ordersHref } from '../router';
import { ErrorNotice, Spinner } from './common';
import { LiveBanner } from './LiveBanner';

type Page = { name: string; summary: ReviewSummary; total: number; reviews: ListedReview[]; endCursor: string | null; more: boolean };

type State =
  | { status: 'loading' }
  | { status: 'failed'; error: string }
  | { status: 'missing' }
  | { status: 'done'; page: Page };

async function fetchPage(productId: string, after: string | null): Promise<Page | null> {
  const d = await query<ProductReviewsData, { productId: string; after: string | null }>(productReviewsOp, { productId, after });
  const n = d.node;
  if (!n || !n.reviews || !n.reviewSummary) {
    return null;
  }
  return {
    name: n.name ?? '',
    summary: n.reviewSummary,
    total: n.reviews.totalCount,
    reviews: nodes(n.reviews.edges),
    endCursor: n.reviews.pageInfo.endCursor,
    more: n.reviews.pageInfo.hasNextPage,
  };
}

/**
 * ProductReviews is a product's review page: the summary with its
 * histogram, the reviews ten at a time ("Load more" follows the
 * connection's cursor), and each review's replies, which arrive live.
 */
export function ProductReviews({ productId }: { productId: string }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [replies, setReplies] = useState<Map<string, Reply[]>>(new Map());
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);

  const addReplies = (reviewId: string, more: Reply[], live = false) => {
    setReplies((m) => new Map(m).set(reviewId, mergeReplies(m.get(reviewId) ?? [], more)));
    if (live) {
      setFresh((f) => new Set([...f, ...more.map((r) => r.id)]));
    }
  };
  const addPage = (page: Page) => {
    for (const r of page.reviews) {
      addReplies(r.id, nodes(r.replies.edges));
    }
  };

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    fetchPage(productId, null).then(
      (page) => {
        if (cancelled) {
          return;
        }
        if (!page) {
          setState({ status: 'missing' });
          return;
        }
        addPage(page);
        setState({ status: 'done', page });
      },
      (err: unknown) => !cancelled && setState({ status: 'failed', error: describeReviewError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [productId, attempt]);

  const ids = state.status === 'done' ? state.page.reviews.map((r) => r.id) : [];
  const feeds = useReplyFeeds(ids, (id, rs) => addReplies(id, rs, true));

  const loadMore = async () => {
    if (state.status !== 'done') {
      return;
    }
    setLoadingMore(true);
    setMoreError(null);
    try {
      const next = await fetchPage(productId, state.page.endCursor);
      if (next) {
        addPage(next);
        setState((s) => {
          if (s.status !== 'done') {
            return s;
          }
          const seen = new Set(s.page.reviews.map((r) => r.id));
          const reviews = [...s.page.reviews, ...next.reviews.filter((r) => !seen.has(r.id))];
          return { status: 'done', page: { ...next, reviews } };
        });
      }
    } catch (err) {
      setMoreError(describeReviewError(err));
    } finally {
      setLoadingMore(false);
    }
  };

  if (state.status === 'loading') {
    return <Spinner label="Loading reviews…" />;
  }
  if (state.status === 'failed' || state.status === 'missing') {
    return (
      <>
        <BackLink />
        <ErrorNotice
          message={state.status === 'missing' ? "We couldn't find that product." : state.error}
          onRetry={state.status === 'failed' ? () => setAttempt((n) => n + 1) : undefined}
        />
      </>
    );
  }
  const { page } = state;
  return (
    <article data-testid="product-reviews" data-product-id={productId}>
      <BackLink />
      <h1 class="title">{page.name}</h1>
      <Summary summary={page.summary} />
      {page.reviews.length > 0 && <LiveBanner state={feeds.state} onRetry={feeds.retry} />}
      {page.reviews.length === 0 ? (
        <div class="empty" data-testid="no-reviews">
          <p>No reviews yet.</p>
          <p class="muted">Bought it? Open the order and write the first one.</p>
        </div>
      ) : (
        <ul class="cards" data-testid="review-list">
          {page.reviews.map((r) => (
            <li key={r.id}>
              <ReviewCard review={r} replies={replies.get(r.id) ?? []} fresh={fresh} />
            </li>
          ))}
        </ul>
      )}
      {page.total > page.reviews.length && (
        <p class="muted small">
          Showing {page.reviews.length} of {countText(page.total)}.
        </p>
      )}
      {moreError && <ErrorNotice message={moreError} />}
      {page.more && (
        <button type="button" class="button button-secondary wide" data-testid="load-more" disabled={loadingMore} onClick={loadMore}>
          {loadingMore ? 'Loading…' : 'Load more reviews'}
        </button>
      )}
    </article>
  );
}

function BackLink() {
  return (
    <a class="back" href={ordersHref}>
      ← All orders
    </a>
  );
}

function Summary({ summary: s }: { summary: ReviewSummary }) {
  return (
    <section class="card summary" data-testid="review-summary" data-count={s.count}>
      <div class="summary-head">
        <span class="average" data-testid="average-rating">
          {formatAverage(s)}
        </span>
        <span>
          <span class="stars" aria-label={starsLabel(Math.round(s.averageRating))}>
            {stars(s.averageRating)}
          </span>
          <span class="muted small block" data-testid="review-count">
            {countText(s.count)}
            {s.count > 0 && ` · ${s.verifiedCount} from verified buyers`}
          </span>
        </span>
      </div>
      <ul class="histogram" aria-label="Ratings">
        {histogramBars(s.histogram).map((b) => (
          <li key={b.rating} data-testid="histogram-bar" data-rating={b.rating} data-count={b.count}>
            <span class="histogram-label">{b.rating} ★</span>
            <span class="bar" role="img" aria-label={`${b.percent}% gave ${starsLabel(b.rating)}`}>
              <span class="bar-fill" style={{ width: `${b.percent}%` }} />
            </span>
            <span class="histogram-count muted small">{b.count}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ReviewCard({ review: r, replies, fresh }: { review: ListedReview; replies: Reply[]; fresh: ReadonlySet<string> }) {
  return (
    <section class="card review" data-testid="review" data-review-id={r.id}>
      <div class="own-review-head">
        <span class="stars" aria-label={starsLabel(r.rating)} title={starsLabel(r.rating)}>
          {stars(r.rating)}
        </span>
        {r.verifiedBuyer && (
          <span class="pill tone-good" data-testid="verified-buyer">
            ✓ Verified buyer
          </span>
        )}
      </div>
      {r.title && <strong class="review-title">{r.title}</strong>}
      <p class="review-body" data-testid="review-body">
        {r.body}
      </p>
      {r.media.length > 0 && (
        <ul class="thumbs">
          {r.media.map((m) => (
            <li key={m.url}>
              <a href={m.url} target="_blank" rel="noopener" data-testid="review-photo">
                {m.kind === 'PHOTO' ? (
                  <img src={m.thumbnailUrl ?? m.url} alt={`Photo by ${r.author.displayName}`} width={88} height={88} loading="lazy" />
                ) : (
                  <span class="thumb-note">Video</span>
                )}
              </a>
            </li>
          ))}
        </ul>
      )}
      <p class="muted small">
        <span data-testid="review-author">{r.author.displayName}</span> · {formatDate(r.createdAt)}
        {r.helpfulCount > 0 && ` · ${r.helpfulCount} found this helpful`}
      </p>
      {replies.length > 0 && (
        <ol class="replies" aria-label="Replies">
          {replies.map((rp) => (
            <li key={rp.id} class={`reply${rp.byMerchant ? ' reply-store' : ''}${fresh.has(rp.id) ? ' event-new' : ''}`} data-testid="reply">
              <span class="small reply-who">{rp.byMerchant ? 'Reply from the store' : `Reply from ${r.author.displayName}`}</span>
              <p data-testid="reply-body">{rp.body}</p>
              <span class="muted small">{formatDateTime(rp.createdAt)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
