import { describe, expect, it } from 'vitest';
import { added, emptyList, loaded, read } from './list';
import type { ShownNotification } from './operations';

const n = (id: string, readAt: string | null = null): ShownNotification => ({
  id,
  kind: 'ORDER_CONFIRMATION',
  title: `Order ${id} confirmed`,
  body: 'Thank you!',
  link: null,
  createdAt: '2026-11-29T10:00:00Z',
  readAt,
  order: { number: id },
});

describe('the notification list', () => {
  it('puts a live arrival on top and counts it unread', () => {
    const l = added(loaded(emptyList, [n('2'), n('1', '2026-11-29T11:00:00Z')], 1), n('3'));
    expect(l.items.map((x) => x.id)).toEqual(['3', '2', '1']);
    expect(l.unread).toBe(2);
    expect(l.fresh).toEqual(['3']);
  });

  it('ignores a replay of one it holds (the feed starts where the page was read)', () => {
    const l = loaded(emptyList, [n('2'), n('1')], 2);
    expect(added(l, n('2'))).toBe(l);
  });

  it('keeps live arrivals across a reload that does not have them yet', () => {
    const l = loaded(added(loaded(emptyList, [n('1')], 1), n('2')), [n('1')], 1);
    expect(l.items.map((x) => x.id)).toEqual(['2', '1']);
    expect(l.unread).toBe(2);
  });

  it('marks the named ones read, or all, and takes the server’s count', () => {
    const l = loaded(emptyList, [n('3'), n('2'), n('1')], 3);
    const some = read(l, ['2'], 'now', 2);
    expect(some.items.map((x) => x.readAt)).toEqual([null, 'now', null]);
    expect(some.unread).toBe(2);
    const all = read(some, null, 'later', 0);
    expect(all.items.map((x) => x.readAt)).toEqual(['later', 'now', 'later']);
    expect(all.unread).toBe(0);
  });
});
