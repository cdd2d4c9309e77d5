import { CombinedError } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { checkSilence, customerName, describeSilenceError, isSilenced, localInputValue, presetUntil, silenceLabel } from './silence';

const now = new Date(2026, 2, 12, 14, 5);
const gqlError = (code: string, message: string, field?: string) =>
  new CombinedError({ graphQLErrors: [{ message, extensions: { code, ...(field ? { field } : {}) } }] });

const customer = (silencedUntil: string | null, silenceReason: string | null = null) => ({
  id: '1',
  email: 'ines@example.com',
  firstName: 'Inès',
  lastName: 'Moreau',
  silencedUntil,
  silenceReason,
});

describe('silence in words', () => {
  it('says whether and until when a customer is silenced', () => {
    const until = new Date(2026, 2, 19, 14, 5).toISOString();
    expect(isSilenced(customer(until), now)).toBe(true);
    const label = silenceLabel(customer(until, 'spam links'), now, 'en-GB');
    expect(label.tone).toBe('alert');
    expect(label.text).toMatch(/^Silenced until .*19.*14:05: spam links$/);
    expect(silenceLabel(customer(null), now)).toEqual({ text: 'Not silenced', tone: 'good' });
  });

  it('tells a silence that has ended from one that holds', () => {
    const past = new Date(2026, 2, 1).toISOString();
    expect(isSilenced(customer(past), now)).toBe(false);
    expect(silenceLabel(customer(past, 'spam'), now, 'en-GB').text).toMatch(/^Not silenced \(a silence ended /);
  });

  it('names a customer, or falls back to the email', () => {
    expect(customerName(customer(null))).toBe('Inès Moreau');
    expect(customerName({ ...customer(null), firstName: '', lastName: '' })).toBe('ines@example.com');
  });
});

describe('the silence form', () => {
  it('offers presets from now, in the local time the input shows', () => {
    expect(localInputValue(now)).toBe('2026-03-12T14:05');
    expect(presetUntil(now, 7)).toBe('2026-03-19T14:05');
  });

  it('sends an instant in the future with a trimmed reason', () => {
    expect(checkSilence('2026-03-19T14:05', '  spam links ', now)).toEqual({
      until: new Date(2026, 2, 19, 14, 5).toISOString(),
      reason: 'spam links',
    });
  });

  it('asks for what is missing before the server does', () => {
    expect(checkSilence('', 'spam', now)).toEqual({ error: 'Pick until when the author stays silent.' });
    expect(checkSilence('2026-03-12T14:00', 'spam', now)).toEqual({ error: 'Pick a time in the future: a silence in the past would do nothing.' });
    expect(checkSilence('not a date', 'spam', now)).toHaveProperty('error');
    expect(checkSilence('2026-03-19T14:05', '   ', now)).toEqual({ error: 'Say why: the author reads the reason every time they are refused.' });
    expect(checkSilence('2026-03-19T14:05', 'x'.repeat(1001), now)).toEqual({ error: 'Shorten the reason to 1,000 characters.' });
  });

  it('words the server refusals', () => {
    expect(describeSilenceError(gqlError('INVALID_INPUT', 'input.until: must be in the future', 'input.until'))).toBe(
      'Pick a time in the future: the server says this one has passed.',
    );
    expect(describeSilenceError(gqlError('NOT_FOUND', 'input.customerId: no such customer', 'input.customerId'))).toBe(
      'That customer is no longer in the store.',
    );
    expect(describeSilenceError(gqlError('FORBIDDEN', 'staff only'))).toBe('Staff only.');
  });
});
