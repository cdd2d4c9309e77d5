import { useEffect, useState } from 'preact/hooks';
import { query } from '../api/client';
import { orderReviewsOp, type OrderReviewsData, type OwnReview } from '../api/reviewOperations';
import { formatDate } from '../format';
import { describeReviewError, stars, starsLabel, statusText } from '../reviews';
import { productHref } from '../router';
import { ReviewForm } from './ReviewForm';

/** OrderReviews is the shopper's own review of each product in an order (by product id). */
export type OrderReviews =
  | { status: 'loading' }
  | { status: 'failed'; error: string }
  | { status: 'done'; byProduct: Map<string, OwnReview | null> };

/** useOrderReviews loads the shopper's reviews of an order's products, when enabled. */
export function useOrderReviews(number: string, enabled: boolean) {
  const [state, setState] = useState<OrderReviews>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!enabled) {
      return;
    }
    let cancelled = false;
    query<OrderReviewsData, { number: string }>(orderReviewsOp, { number }).then(
      (d) => {
        const byProduct = new Map<string, OwnReview | null>();
        for (const it of d.order?.items ?? []) {
          byProduct.set(it.product.id, it.product.viewerReview);
        }
        if (!cancelled) {
          setState({ status: 'done', byProduct });
        }
      },
      (err: unknown) => !cancelled && setState({ status: 'failed', error: describeReviewError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [number, enabled, attempt]);
  const saved = (productId: string, r: OwnReview) =>
    setState((s) => (s.status === 'done' ? { status: 'done', byProduct: new Map(s.byProduct).set(productId, r) } : s));
  return { state, saved, retry: () => setAttempt((n) => n + 1) };
}

interface Props {
  productId: string;
  productName: string;
  reviews: OrderReviews;
  onSaved: (r: OwnReview) => void;
  onRetry: () => void;
}

/**
 * ItemReview sits under a delivered item: "Write a review", or the
 * shopper's review with where it stands ("Published", "Waiting for
 * approval") and "Edit your review".
 */
export function ItemReview({ productId, productName, reviews, onSaved, onRetry }: Props) {
  const [editing, setEditing] = useState(false);
  if (reviews.status === 'loading') {
    return <p class="muted small">Checking your reviews…</p>;
  }
  if (reviews.status === 'failed') {
    return (
      <p class="small" role="alert" data-testid="review-error">
        {reviews.error}{' '}
        <button type="button" class="link" onClick={onRetry}>
          Try again
        </button>
      </p>
    );
  }
  const mine = reviews.byProduct.get(productId) ?? null;
  if (editing) {
    return (
      <ReviewForm
        productId={productId}
        productName={productName}
        existing={mine}
        onSaved={(r) => {
          setEditing(false);
          onSaved(r);
        }}
        onCancel={() => setEditing(false)}
      />
    );
  }
  if (!mine) {
    return (
      <button type="button" class="button button-secondary" data-testid="write-review" onClick={() => setEditing(true)}>
        Write a review
      </button>
    );
  }
  const status = statusText(mine.status, mine.statusReason);
  return (
    <div class="own-review" data-testid="own-review" data-review-id={mine.id}>
      <div class="own-review-head">
        <span class="stars" aria-label={starsLabel(mine.rating)} title={starsLabel(mine.rating)}>
          {stars(mine.rating)}
        </span>
        <span class={`pill tone-${status.tone}`} data-testid="review-status">
          {status.text}
        </span>
      </div>
      {mine.title && <strong class="review-title">{mine.title}</strong>}
      <p class="review-body">{mine.body}</p>
      {mine.media.length > 0 && (
        <ul class="thumbs">
          {mine.media.map((m) => (
            <li key={m.id}>
              <a href={m.url} target="_blank" rel="noopener">
                <img data-testid="own-review-photo" src={m.thumbnailUrl ?? m.url} alt="Your photo" width={72} height={72} loading="lazy" />
              </a>
            </li>
          ))}
        </ul>
      )}
      <p class="muted small">
        Written {formatDate(mine.createdAt)}
        {mine.editedAt && ` · edited ${formatDate(mine.editedAt)}`}
      </p>
      <div class="form-actions">
        <button type="button" class="button button-secondary" data-testid="edit-review" onClick={() => setEditing(true)}>
          Edit your review
        </button>
        <a class="small" href={productHref(productId)}>
          See all reviews
        </a>
      </div>
    </div>
  );
}
