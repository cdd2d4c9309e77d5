import { describe, expect, it } from 'vitest';
import { rate, rowName, sinceValue } from './EngagementRates';

const row = { journey: null, campaignId: null, sent: 0, delivered: 0, opened: 0, clicked: 0, converted: 0 };

describe('engagement table', () => {
  it('names journeys in words and campaigns by id', () => {
    expect(rowName({ ...row, journey: 'order_confirmation' })).toBe('Order confirmation');
    expect(rowName({ ...row, campaignId: '42' })).toBe('Campaign 42');
  });
  it('shows rates of delivered messages, and a dash before any', () => {
    expect(rate(1, 3)).toBe('33 %');
    expect(rate(0, 5)).toBe('0 %');
    expect(rate(0, 0)).toBe('–');
  });
  it('turns a period into a since time', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    expect(sinceValue(7, now)).toBe('2026-03-03T12:00:00.000Z');
    expect(sinceValue(null, now)).toBeNull();
  });
});
