import { expect, it } from 'vitest';
import { backoff } from './backoff';

it('doubles from half a second up to 30 s, with ±20 % jitter', () => {
  const mid = () => 0.5;
  expect([1, 2, 3, 4, 10].map((n) => backoff(n, mid))).toEqual([500, 1000, 2000, 4000, 30_000]);
  expect(backoff(1, () => 0)).toBe(400);
  expect(backoff(1, () => 1)).toBe(600);
});
