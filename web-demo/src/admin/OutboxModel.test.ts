import { describe, expect, it } from 'vitest';
import { canRetry, kindLabel, noFilter, outboxFilterFromHash, outboxWhere, previewDocument, statusNote, templateProblem } from './OutboxModel';

describe('outboxWhere', () => {
  it('is null when nothing is chosen, so the query asks for every message', () => {
    expect(outboxWhere(noFilter)).toBeNull();
    expect(outboxWhere({ ...noFilter, email: '   ' })).toBeNull();
  });
  it('sets only what was chosen, the email trimmed', () => {
    expect(outboxWhere({ ...noFilter, status: 'DEAD', email: ' mina@example.com ' })).toEqual({ status: 'DEAD', customerEmail: 'mina@example.com' });
    expect(outboxWhere({ ...noFilter, kind: 'CAMPAIGN' })).toEqual({ kind: 'CAMPAIGN' });
  });
});

describe('the campaign and journey filters', () => {
  it('reads the campaign screen\'s link', () => {
    expect(outboxFilterFromHash('#/outbox?campaign=4294967301')).toEqual({ ...noFilter, campaign: '4294967301' });
    expect(outboxFilterFromHash('#/outbox?journey=review_request')).toEqual({ ...noFilter, journey: 'review_request' });
    expect(outboxFilterFromHash('#/outbox')).toEqual(noFilter);
  });
  it('sends them as campaignId and journey', () => {
    expect(outboxWhere({ ...noFilter, campaign: ' 12 ', status: 'SENT' })).toEqual({ campaignId: '12', status: 'SENT' });
    expect(outboxWhere({ ...noFilter, journey: 'order_confirmation' })).toEqual({ journey: 'order_confirmation' });
  });
});

describe('message words', () => {
  it('names kinds as sentences', () => {
    expect(kindLabel('ORDER_CONFIRMATION')).toBe('Order confirmation');
    expect(kindLabel('CAMPAIGN')).toBe('Campaign');
  });
  it('retries only DEAD messages', () => {
    expect(['QUEUED', 'SENT', 'SKIPPED', 'FAILED', 'DEAD'].filter((status) => canRetry({ status: status as never }))).toEqual(['DEAD']);
  });
  it('says where a message stands, with the reason or the error', () => {
    const base = { attempts: 0, skipReason: null, lastError: null };
    expect(statusNote({ ...base, status: 'QUEUED' })).toBe('waiting for its first attempt');
    expect(statusNote({ ...base, status: 'SKIPPED', skipReason: 'no consent' })).toBe('skipped: no consent');
    expect(statusNote({ ...base, status: 'DEAD', attempts: 8, lastError: '421 try again later' })).toBe('gave up after 8 attempts: 421 try again later');
    expect(statusNote({ ...base, status: 'SENT', attempts: 2 })).toBe('sent on attempt 2');
  });
  it('names the refused part of a template', () => {
    expect(templateProblem('unexpected "}" in operand', 'html')).toBe('The html part: unexpected "}" in operand');
    expect(templateProblem('is required', undefined)).toBe('is required');
  });
});

describe('previewDocument', () => {
  it('forbids scripts and opens links outside the preview, in a full document', () => {
    const doc = previewDocument('<html><head><title>x</title></head><body><a href="https://t.example">Track</a></body></html>');
    expect(doc).toMatch(/<head><meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'"><base target="_blank"><title>/);
    expect(doc).toContain('<a href="https://t.example">Track</a>');
  });
  it('wraps a fragment', () => {
    expect(previewDocument('<p>Hi</p>')).toBe(
      `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'"><base target="_blank"></head><body><p>Hi</p></body></html>`,
    );
  });
});
