import { CombinedError } from '@urql/core';
import { describe, expect, it } from 'vitest';
import {
  actionsFor,
  appendPosts,
  commentsText,
  communityField,
  decisionText,
  describeCommunityError,
  feedEmptyText,
  itemHeading,
  moveTopic,
  needsReason,
  postedText,
  postStatusText,
  prependPosts,
  reactionsText,
  removePost,
  taggableProducts,
} from './community';
import { formatDateTime } from './format';

const gqlError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  new CombinedError({ graphQLErrors: [{ message, extensions: { code, ...extra } }] });

const p = (id: string, body = id) => ({ id, body });

describe('post status in words', () => {
  it('says where the post stands, with staff reasons', () => {
    expect(postStatusText('PENDING')).toEqual({ text: 'Waiting for approval', tone: 'moving' });
    expect(postStatusText('PUBLISHED').text).toBe('Published');
    expect(postStatusText('REJECTED', 'off topic').text).toBe('Not published: off topic');
    expect(postStatusText('HIDDEN').text).toBe('Hidden by the store');
  });
  it('tells the author whether the post waits', () => {
    expect(postedText({ status: 'PUBLISHED', topic: { slug: 'how-to', name: 'How-to' } })).toBe('Posted in How-to.');
    expect(postedText({ status: 'PENDING', topic: { slug: 'how-to', name: 'How-to' } })).toMatch(/waiting for approval/);
  });
});

describe('counts in words', () => {
  it('lists only reactions that someone left', () => {
    expect(
      reactionsText([
        { kind: 'LIKE', count: 3 },
        { kind: 'LOVE', count: 1 },
        { kind: 'HELPFUL', count: 0 },
      ]),
    ).toBe('3 likes · 1 love');
    expect(reactionsText([{ kind: 'LIKE', count: 0 }])).toBe('');
  });
  it('counts comments', () => {
    expect([0, 1, 4].map(commentsText)).toEqual(['No comments', '1 comment', '4 comments']);
  });
  it('words the empty feeds', () => {
    expect(feedEmptyText('Recipes')).toBe('No posts in Recipes yet. Be the first!');
    expect(feedEmptyText(null)).toBe('No posts yet. Be the first!');
    expect(feedEmptyText(null, true)).toMatch(/haven't posted yet/);
  });
});

describe('feed merging', () => {
  it('appends a page without repeating a post that moved to it', () => {
    expect(appendPosts([p('3'), p('2')], [p('2'), p('1')]).map((x) => x.id)).toEqual(['3', '2', '1']);
  });
  it('puts fresh posts on top, newest first, and replaces edited ones in place', () => {
    const feed = prependPosts([p('2'), p('1')], [p('3'), p('4'), p('1', 'edited')]);
    expect(feed.map((x) => x.id)).toEqual(['4', '3', '2', '1']);
    expect(feed[3].body).toBe('edited');
  });
  it('removes a hidden post', () => {
    expect(removePost([p('2'), p('1')], '2').map((x) => x.id)).toEqual(['1']);
  });
});

describe('taggableProducts', () => {
  it('lists the products of the orders once each, by name', () => {
    const items = (...ps: [string, string][]) => ps.map(([id, name], i) => ({ id: `i${i}`, product: { id, name } }));
    const got = taggableProducts({
      orders: {
        edges: [
          { node: { id: 'o1', items: items(['p2', 'Mug'], ['p1', 'Beans']) } },
          null,
          { node: { id: 'o2', items: items(['p2', 'Mug']) } },
          { node: { id: 'o3', items: null } },
        ],
      },
    });
    expect(got).toEqual([
      { id: 'p1', name: 'Beans' },
      { id: 'p2', name: 'Mug' },
    ]);
  });
});

describe('describeCommunityError', () => {
  it('names the field the server refused', () => {
    expect(describeCommunityError(gqlError('INVALID_INPUT', 'input.body: must not be empty', { field: 'input.body' }))).toBe(
      'Check your post: must not be empty.',
    );
    expect(communityField('input.mediaIds[2]')).toBe('photo 3');
    expect(communityField('input.productIds[0]')).toBe('product 1');
    expect(describeCommunityError(gqlError('NOT_FOUND', 'no such media', { field: 'input.mediaIds[0]' }))).toBe(
      'Photo 1 is no longer available. Remove it and try again.',
    );
    expect(describeCommunityError(gqlError('NOT_FOUND', 'no topic', { field: 'input.topic' }))).toMatch(/topic is gone/);
  });
  it('tells a silenced author until when, and a hurried one how long to wait', () => {
    expect(describeCommunityError(gqlError('FORBIDDEN', 'you are silenced in the community until 2026-05-01T10:00:00Z: spam'))).toMatch(
      /^The store has paused your posting\. You can post again after .*May 1.*: spam\.$/,
    );
    expect(describeCommunityError(gqlError('THROTTLED', 'slow down', { retryAfter: 240 }))).toBe(
      "You're doing that too often. Try again in 4 min.",
    );
  });
  it('says a stale admin screen should reload', () => {
    expect(describeCommunityError(gqlError('CONFLICT', 'cannot approve an item that is PUBLISHED'))).toBe(
      'Cannot approve an item that is PUBLISHED. Reload to see the latest.',
    );
  });
});

describe('admin rules', () => {
  it('offers the actions the server allows in each status', () => {
    expect(actionsFor('PENDING')).toEqual(['APPROVE', 'REJECT']);
    expect(actionsFor('PUBLISHED')).toEqual(['HIDE', 'REJECT']);
    expect(actionsFor('HIDDEN')).toEqual(['RESTORE', 'REJECT']);
    expect(actionsFor('REJECTED')).toEqual(['RESTORE']);
    expect(['APPROVE', 'REJECT', 'HIDE', 'RESTORE'].filter((a) => needsReason(a as never))).toEqual(['REJECT', 'HIDE']);
  });
  it('words trail entries', () => {
    expect(decisionText({ action: null, toStatus: 'PENDING', actor: 'auto' })).toBe('Held for approval by the rule');
    expect(decisionText({ action: 'APPROVE', toStatus: 'PUBLISHED', actor: 'admin' })).toBe('Approved by admin');
    expect(decisionText({ action: 'HIDE', toStatus: 'HIDDEN', actor: 'demo-seed' })).toBe('Hidden by demo-seed');
    const until = '2026-03-12T14:00:00Z';
    expect(decisionText({ action: 'SILENCE', toStatus: null, actor: 'admin', silencedUntil: until }, 'en-GB')).toBe(
      `Silenced until ${formatDateTime(until, 'en-GB')} by admin`,
    );
    expect(decisionText({ action: 'UNSILENCE', toStatus: null, actor: 'admin', silencedUntil: null })).toBe('Unsilenced by admin');
  });
  it('names items', () => {
    const base = { id: '1', status: 'PENDING' as const, statusReason: null, createdAt: '' };
    expect(itemHeading({ ...base, __typename: 'Post', topic: { slug: 'u', name: 'Unboxing' }, author: { displayName: 'Jonas W.' } })).toBe(
      'Post in Unboxing by Jonas W.',
    );
    expect(itemHeading({ ...base, __typename: 'Review', rating: 4, product: { id: 'p', name: 'Hand grinder' }, author: { displayName: 'Leo B.' } })).toBe(
      'Review of Hand grinder by Leo B. (4★)',
    );
  });
  it('moves a topic up or down, never past either end', () => {
    expect(moveTopic(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveTopic(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveTopic(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveTopic(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
  });
});
