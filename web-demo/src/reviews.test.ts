import { CombinedError } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { AppError } from './api/errors';
import {
  deliveredItems,
  describeReviewError,
  fieldName,
  formatAverage,
  histogramBars,
  mergeReplies,
  stars,
  statusText,
} from './reviews';

const gqlError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  new CombinedError({ graphQLErrors: [{ message, extensions: { code, ...extra } }] });

describe('histogramBars', () => {
  it('lists 5 to 1 with whole percentages of all reviews', () => {
    const bars = histogramBars([
      { rating: 1, count: 1 },
      { rating: 2, count: 0 },
      { rating: 3, count: 0 },
      { rating: 4, count: 1 },
      { rating: 5, count: 1 },
    ]);
    expect(bars.map((b) => [b.rating, b.count, b.percent])).toEqual([
      [5, 1, 33],
      [4, 1, 33],
      [3, 0, 0],
      [2, 0, 0],
      [1, 1, 33],
    ]);
  });

  it('is all zeros without reviews, and fills in ratings left out', () => {
    expect(histogramBars([]).map((b) => b.percent)).toEqual([0, 0, 0, 0, 0]);
    expect(histogramBars([{ rating: 5, count: 3 }]).map((b) => b.percent)).toEqual([100, 0, 0, 0, 0]);
  });
});

describe('formatting', () => {
  it('shows averages with one decimal, and a dash without reviews', () => {
    expect(formatAverage({ averageRating: 4.333, count: 3 }, 'en')).toBe('4.3');
    expect(formatAverage({ averageRating: 4, count: 1 }, 'en')).toBe('4.0');
    expect(formatAverage({ averageRating: 0, count: 0 }, 'en')).toBe('–');
  });

  it('draws stars and says the status in words', () => {
    expect(stars(4)).toBe('★★★★☆');
    expect(stars(0)).toBe('☆☆☆☆☆');
    expect(statusText('PUBLISHED').text).toBe('Published');
    expect(statusText('PENDING').text).toBe('Waiting for approval');
    expect(statusText('REJECTED', 'Off topic').text).toBe('Not published: Off topic');
  });
});

describe('mergeReplies', () => {
  const r = (id: string, at: string) => ({ id, body: id, byMerchant: false, createdAt: at });
  it('keeps each reply once, oldest first', () => {
    const a = r('a', '2026-11-01T10:00:00Z');
    const b = r('b', '2026-11-01T11:00:00Z');
    const c = r('c', '2026-11-01T12:00:00Z');
    expect(mergeReplies([a, c], [b, c, a]).map((x) => x.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('deliveredItems', () => {
  it('holds the lines of delivered shipments only', () => {
    const ship = (status: string, deliveredAt: string | null, ids: string[]) =>
      ({ status, deliveredAt, items: ids.map((id) => ({ id: `si-${id}`, quantity: 1, orderItem: { id } })) }) as never;
    const got = deliveredItems({ shipments: [ship('DELIVERED', '2026-11-01T10:00:00Z', ['a']), ship('IN_TRANSIT', null, ['b'])] });
    expect([...got]).toEqual(['a']);
  });
});

describe('describeReviewError', () => {
  it('names the field and says what is wrong', () => {
    expect(describeReviewError(gqlError('INVALID_INPUT', 'input.body: must not be empty', { field: 'input.body' }))).toBe(
      'Check your review: must not be empty.',
    );
    expect(fieldName('input.mediaIds[2]')).toBe('photo 3');
    expect(describeReviewError(new AppError('x', 'INVALID_INPUT', { cause: gqlError('INVALID_INPUT', 'file: GIF is not accepted', { field: 'file' }) }))).toBe(
      'Check the photo: GIF is not accepted.',
    );
  });

  it('phrases conflicts, limits and the rest', () => {
    expect(describeReviewError(gqlError('CONFLICT', 'you have already reviewed this product: edit that review instead'))).toBe(
      'You have already reviewed this product: edit that review instead.',
    );
    expect(describeReviewError(gqlError('THROTTLED', 'slow down', { retryAfter: 30 }))).toBe(
      "You're doing that too often. Try again in 30 s.",
    );
    expect(describeReviewError(gqlError('THROTTLED', 'slow down', { retryAfter: 600 }))).toMatch(/10 min\.$/);
    expect(describeReviewError(gqlError('UNAVAILABLE', 'busy'))).toMatch(/busy/);
  });
});
