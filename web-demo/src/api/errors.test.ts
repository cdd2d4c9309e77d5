import { CombinedError } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { describeClose, describeError, errorCode } from './errors';

const gqlError = (code: string, extra: Record<string, unknown> = {}) =>
  new CombinedError({ graphQLErrors: [{ message: 'raw', extensions: { code, ...extra } }] });

describe('describeError', () => {
  it('turns extension codes into sentences', () => {
    expect(describeError(gqlError('NOT_FOUND'))).toMatch(/couldn't find that order/);
    expect(describeError(gqlError('INVALID_INPUT', { field: 'number' }))).toMatch(/\(number\)$/);
    expect(errorCode(gqlError('UNAVAILABLE'))).toBe('UNAVAILABLE');
  });

  it('phrases network failures and uncoded errors', () => {
    expect(describeError(new CombinedError({ networkError: new TypeError('Failed to fetch') }))).toMatch(/can't reach/);
    expect(describeError(new CombinedError({ graphQLErrors: [{ message: 'something odd' }] }))).toBe('Something odd.');
  });

  it('phrases websocket closes', () => {
    expect(describeClose({ code: 4403, reason: 'Forbidden' })).toMatch(/session has ended/);
    expect(describeError({ code: 1006, reason: '' })).toMatch(/dropped/);
  });
});
