import { describe, expect, it } from 'vitest';
import { audienceWords, canCancel, localInputValue, outboxLink, scheduleTime, segmentInput, segmentWords, statusWords } from './CampaignModel';

const fmt = (iso: string) => `<${iso}>`;

describe('segmentInput', () => {
  it('leaves empty boxes out (no condition) and trims the rest', () => {
    expect(segmentInput({ lastOrderDays: '', tier: ' ', category: '' })).toEqual({ segment: {} });
    expect(segmentInput({ lastOrderDays: ' 90 ', tier: ' Gold ', category: 'Tea' })).toEqual({
      segment: { lastOrderOlderThanDays: 90, tier: 'Gold', category: 'Tea' },
    });
  });
  it('says at the field what the server would refuse', () => {
    for (const days of ['0', '3651', '1.5', 'soon']) {
      expect(segmentInput({ lastOrderDays: days, tier: '', category: '' })).toMatchObject({ field: 'segment.lastOrderOlderThanDays' });
    }
  });
});

describe('campaign words', () => {
  it('says who a segment reaches', () => {
    expect(segmentWords({})).toBe('Every customer');
    expect(segmentWords({ lastOrderOlderThanDays: 1, category: 'Tea' })).toBe('Customers who last ordered more than 1 day ago and bought from Tea');
    expect(segmentWords({ tier: 'Gold' })).toBe('Customers who are in the Gold tier');
  });
  it('counts the audience', () => {
    expect(audienceWords(0)).toBe('Reaches nobody yet');
    expect(audienceWords(1)).toBe('Reaches 1 customer');
    expect(audienceWords(12)).toBe('Reaches 12 customers');
  });
  it('says where a campaign stands', () => {
    const base = { scheduledAt: null, queued: 0, canceledAt: null, finishedAt: null };
    expect(statusWords({ ...base, status: 'DRAFT' }, fmt)).toBe('Draft: not scheduled');
    expect(statusWords({ ...base, status: 'SCHEDULED', scheduledAt: 'T' }, fmt)).toBe('Scheduled for <T>');
    expect(statusWords({ ...base, status: 'SENT', queued: 1, finishedAt: 'F' }, fmt)).toBe('Sent: 1 message on <F>');
    expect(statusWords({ ...base, status: 'CANCELED', canceledAt: 'C' }, fmt)).toBe('Canceled on <C>');
  });
  it('cancels only what has not gone', () => {
    expect(canCancel({ status: 'SCHEDULED' })).toBe(true);
    expect(canCancel({ status: 'SENDING' })).toBe(false);
    expect(canCancel({ status: 'SENT' })).toBe(false);
  });
  it('links to the outbox filtered by the campaign', () => {
    expect(outboxLink('42')).toBe('#/outbox?campaign=42');
  });
});

describe('the schedule time', () => {
  it('reads the datetime-local value in the browser’s zone and writes it back', () => {
    const d = new Date(2026, 11, 24, 9, 30);
    expect(localInputValue(d)).toBe('2026-12-24T09:30');
    expect(scheduleTime('2026-12-24T09:30')).toBe(d.toISOString());
  });
  it('is null for no time', () => {
    expect(scheduleTime('')).toBeNull();
    expect(scheduleTime('tomorrow')).toBeNull();
  });
});
