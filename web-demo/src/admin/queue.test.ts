import { describe, expect, it } from 'vitest';
import type { ModeratedItem } from '../api/communityOperations';
import type { ModerationStatus } from '../api/reviewOperations';
import type { QueueUpdate } from './operations';
import { decidedByYou, leftWords, queueChanged, queueDecided, queueLoaded, type QueueModel } from './queue';

const item = (id: string, status: ModerationStatus = 'PENDING'): ModeratedItem => ({
  __typename: 'Post',
  id,
  status,
  statusReason: null,
  createdAt: '2026-01-01T00:00:00Z',
  body: `post ${id}`,
});

let cursor = 0;
const entered = (id: string, it: ModeratedItem | null = item(id)): QueueUpdate => ({ cursor: String(++cursor), kind: 'ENTERED', itemId: id, item: it });
const left = (id: string, it: ModeratedItem | null = item(id, 'PUBLISHED')): QueueUpdate => ({ cursor: String(++cursor), kind: 'LEFT', itemId: id, item: it });

const ids = (q: QueueModel) => q.entries.map((e) => `${e.item.id}:${e.state.kind}`);

describe('the live queue', () => {
  const loaded = () => queueLoaded(null, { total: 25, items: [item('1'), item('2')] });

  it('counts an item entering live once, and shows it last with its content', () => {
    let q = queueChanged(loaded(), entered('9'));
    expect(q.total).toBe(26);
    expect(ids(q)).toEqual(['1:waiting', '2:waiting', '9:waiting']);
    expect(q.entries[2].item.body).toBe('post 9');
    // The same move again (a replay overlapping what arrived) moves nothing.
    q = queueChanged(q, entered('9'));
    expect(q.total).toBe(26);
    expect(q.entries).toHaveLength(3);
  });

  it('does not count an item the load already counted', () => {
    const q = queueChanged(loaded(), entered('2'));
    expect(q.total).toBe(25);
    expect(ids(q)).toEqual(['1:waiting', '2:waiting']);
  });

  it('lowers the count exactly once for a decision here: the answer, then the LEFT event', () => {
    let q = loaded();
    q = queueDecided(q, item('1', 'PUBLISHED'), decidedByYou('APPROVE'));
    expect(q.total).toBe(25);
    expect(q.entries[0]).toEqual({ item: item('1', 'PUBLISHED'), state: { kind: 'decided', words: 'Approved by you' } });
    q = queueChanged(q, left('1'));
    expect(q.total).toBe(24);
    q = queueChanged(q, left('1'));
    expect(q.total).toBe(24);
    expect(ids(q)).toEqual(['1:decided', '2:waiting']);
  });

  it('lowers the count once when the LEFT event beats the answer', () => {
    let q = queueChanged(loaded(), left('1'));
    expect(q.total).toBe(24);
    expect(q.entries[0].state).toEqual({ kind: 'left', words: 'Decided by another moderator: now published.' });
    q = queueDecided(q, item('1', 'PUBLISHED'), decidedByYou('APPROVE'));
    expect(q.total).toBe(24);
    expect(q.entries[0].state).toEqual({ kind: 'decided', words: 'Approved by you' });
  });

  it('keeps a card another admin decided, with a note, and counts items beyond the page', () => {
    let q = queueChanged(loaded(), left('2', item('2', 'REJECTED')));
    expect(ids(q)).toEqual(['1:waiting', '2:left']);
    expect(q.entries[1].item.status).toBe('REJECTED');
    q = queueChanged(q, left('40', null));
    expect(q.total).toBe(23);
    expect(q.entries).toHaveLength(2);
    expect(leftWords(null)).toBe('Deleted by its author.');
  });

  it('brings a card back when its item waits again', () => {
    let q = queueDecided(loaded(), item('1', 'PUBLISHED'), decidedByYou('APPROVE'));
    q = queueChanged(q, left('1'));
    q = queueChanged(q, entered('1', { ...item('1'), body: 'edited' }));
    expect(q.total).toBe(25);
    expect(q.entries[0]).toEqual({ item: { ...item('1'), body: 'edited' }, state: { kind: 'waiting' } });
  });

  it('counts an item that entered and was deleted, without a card', () => {
    const q = queueChanged(loaded(), entered('7', null));
    expect(q.total).toBe(26);
    expect(q.entries).toHaveLength(2);
    expect(queueChanged(q, left('7', null)).total).toBe(25);
  });

  it('never counts below zero', () => {
    expect(queueChanged(queueLoaded(null, { total: 0, items: [] }), left('1')).total).toBe(0);
  });
});

describe('reloading the queue', () => {
  it('keeps decided and departed cards in place through a resync', () => {
    let q = queueLoaded(null, { total: 3, items: [item('1'), item('2'), item('3')] });
    q = queueDecided(q, item('1', 'PUBLISHED'), 'Approved by you');
    q = queueChanged(q, left('1'));
    q = queueChanged(q, left('2', item('2', 'HIDDEN')));
    const r = queueLoaded(q, { total: 2, items: [item('3'), item('4')] });
    expect(ids(r)).toEqual(['1:decided', '2:left', '3:waiting', '4:waiting']);
    expect(r.total).toBe(2);
    expect(r.inQueue).toEqual({ '1': false, '2': false, '3': true, '4': true });
    // Their LEFT events, replayed, move nothing.
    expect(queueChanged(r, left('1')).total).toBe(2);
  });

  it('keeps the outcome of a decision the page was read just before', () => {
    let q = queueLoaded(null, { total: 1, items: [item('1')] });
    q = queueDecided(q, item('1', 'PUBLISHED'), 'Approved by you');
    const r = queueLoaded(q, { total: 1, items: [item('1')] });
    expect(ids(r)).toEqual(['1:decided']);
    expect(r.entries[0].item.status).toBe('PUBLISHED');
    // It was still counted: its LEFT lowers the count.
    expect(queueChanged(r, left('1')).total).toBe(0);
  });

  it('shows the server page as it is on Refresh', () => {
    let q = queueLoaded(null, { total: 2, items: [item('1'), item('2')] });
    q = queueDecided(q, item('1', 'PUBLISHED'), 'Approved by you');
    expect(ids(queueLoaded(null, { total: 1, items: [item('2')] }))).toEqual(['2:waiting']);
  });

  it('words each decision as the admin made it', () => {
    expect(['APPROVE', 'REJECT', 'HIDE', 'RESTORE'].map(decidedByYou)).toEqual([
      'Approved by you',
      'Rejected by you',
      'Hidden by you',
      'Restored by you',
    ]);
  });
});
