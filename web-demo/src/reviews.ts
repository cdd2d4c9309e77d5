// How reviews read on screen, and the rules the review screens apply to
// what the server sends: pure functions, tested in reviews.test.ts.
import { AppError, describeError, errorCode, errorExtensions } from './api/errors';
import type { Order } from './api/operations';
import type { ModerationStatus, RatingCount, Reply, ReviewSummary } from './api/reviewOperations';
import type { Tone } from './format';

/** The most photos a review takes (the server's reviews.MaxMedia). */
export const maxPhotos = 6;

/** statusText says where the author's review stands, in words. */
export function statusText(status: ModerationStatus, reason: string | null = null): { text: string; tone: Tone } {
  switch (status) {
    case 'PUBLISHED':
      return { text: 'Published', tone: 'good' };
    case 'PENDING':
      return { text: 'Waiting for approval', tone: 'moving' };
    case 'REJECTED':
      return { text: reason ? `Not published: ${reason}` : 'Not published', tone: 'alert' };
    case 'HIDDEN':
      return { text: reason ? `Hidden by the store: ${reason}` : 'Hidden by the store', tone: 'muted' };
    default:
      return { text: String(status), tone: 'muted' };
  }
}

/** starsLabel is a rating for screen readers and titles: "4 out of 5 stars". */
export function starsLabel(rating: number): string {
  return `${rating} out of 5 ${rating === 1 ? 'star' : 'stars'}`;
}

/** stars draws a rating as five characters: "★★★★☆". */
export function stars(rating: number): string {
  const r = Math.max(0, Math.min(5, Math.round(rating)));
  return '★'.repeat(r) + '☆'.repeat(5 - r);
}

/** formatAverage shows a mean rating with one decimal: "4.3"; "–" without reviews. */
export function formatAverage(s: Pick<ReviewSummary, 'averageRating' | 'count'>, locale?: string): string {
  if (s.count === 0) {
    return '–';
  }
  return s.averageRating.toLocaleString(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** countText: "1 review", "12 reviews". */
export function countText(n: number, one = 'review', many = 'reviews'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Bar is one histogram row: a rating, its count and its share of all reviews in whole percent. */
export interface Bar extends RatingCount {
  percent: number;
}

/**
 * histogramBars lists the ratings 5 down to 1, each with its share of the
 * reviews in whole percent (rounded, 0 when there are none). Ratings the
 * server left out count 0.
 */
export function histogramBars(histogram: readonly RatingCount[]): Bar[] {
  const total = histogram.reduce((n, h) => n + h.count, 0);
  return [5, 4, 3, 2, 1].map((rating) => {
    const count = histogram.find((h) => h.rating === rating)?.count ?? 0;
    return { rating, count, percent: total ? Math.round((count * 100) / total) : 0 };
  });
}

/**
 * mergeReplies adds replies to a thread, each once (by id), oldest first:
 * the page's first load, the stream and a catch-up refetch may all carry
 * the same reply.
 */
export function mergeReplies(thread: readonly Reply[], more: readonly Reply[]): Reply[] {
  const byId = new Map(thread.map((r) => [r.id, r]));
  for (const r of more) {
    byId.set(r.id, r);
  }
  return [...byId.values()].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id));
}

/** deliveredItems returns the ids of the order's lines that arrived: in a shipment the carrier delivered. */
export function deliveredItems(order: Pick<Order, 'shipments'>): Set<string> {
  const out = new Set<string>();
  for (const s of order.shipments) {
    if (s.status === 'DELIVERED' || s.deliveredAt) {
      for (const i of s.items ?? []) {
        out.add(i.orderItem.id);
      }
    }
  }
  return out;
}

const fieldNames: Record<string, string> = {
  'input.rating': 'the stars',
  'input.title': 'the title',
  'input.body': 'your review',
  'input.mediaIds': 'the photos',
  file: 'the photo',
};

/** fieldName names an error's extensions.field for the shopper: "input.mediaIds[2]" is "photo 3". */
export function fieldName(field: string): string {
  const m = /^input\.mediaIds\[(\d+)\]$/.exec(field);
  if (m) {
    return `photo ${Number(m[1]) + 1}`;
  }
  return fieldNames[field] ?? field;
}

/**
 * describeReviewError phrases what the server refused about a review, a
 * reply or an upload, from its extensions.code (and field, retryAfter):
 * the general sentences (describeError) speak of orders and connections.
 */
export function describeReviewError(err: unknown): string {
  const code = errorCode(err);
  const ext = errorExtensions(err);
  const detail = (ext?.message ?? '').replace(/^[\w.[\]]+: /, '');
  switch (code) {
    case 'INVALID_INPUT': {
      const field = typeof ext?.extensions.field === 'string' ? ext.extensions.field : null;
      const what = field ? `Check ${fieldName(field)}` : 'Check your review';
      return detail ? `${what}: ${detail}.` : `${what}.`;
    }
    case 'CONFLICT':
      return detail ? `${capital(detail)}.` : 'That changed meanwhile. Reload the page.';
    case 'NOT_FOUND':
      return field0(ext) ? `${capital(fieldName(field0(ext)!))} is no longer available. Remove it and try again.` : 'That product or review is no longer there. Reload the page.';
    case 'FORBIDDEN':
      return detail ? `${capital(detail)}.` : "You can't do that here.";
    case 'THROTTLED': {
      const wait = Number(ext?.extensions.retryAfter);
      return Number.isFinite(wait) && wait > 0
        ? `You're doing that too often. Try again in ${formatWait(wait)}.`
        : "You're doing that too often. Try again in a moment.";
    }
    default:
      return describeError(err);
  }
}

function field0(ext: ReturnType<typeof errorExtensions>): string | null {
  return typeof ext?.extensions.field === 'string' ? ext.extensions.field : null;
}

function formatWait(seconds: number): string {
  if (seconds < 90) {
    return `${Math.ceil(seconds)} s`;
  }
  return `${Math.ceil(seconds / 60)} min`;
}

function capital(s: string): string {
  const t = s.trim().replace(/[.!]$/, '');
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

/** reviewError is an AppError worded for the review screens. */
export function reviewError(err: unknown): AppError {
  return new AppError(describeReviewError(err), errorCode(err), { cause: err });
}
