import { CombinedError } from '@urql/core';
import { parse, print, type FragmentDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Comment } from './api/communityOperations';
import liveDocument from './graphql/CommunityLive.graphql?raw';
import communityDocument from './graphql/Community.graphql?raw';
import talkDocument from './graphql/CommunityTalk.graphql?raw';
import {
  applyCommentChange,
  applyPostChange,
  countOf,
  describeTalkError,
  displayName,
  flagProblem,
  isOwn,
  mergeFirstPage,
  threadSize,
} from './communityTalk';
import { silenceFromMessage, silenceText } from './community';

const gqlError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  new CombinedError({ graphQLErrors: [{ message, extensions: { code, ...extra } }] });

// Posts published an hour apart: p(3) is newer than p(2).
const p = (n: number, body = `post ${n}`) => ({
  id: `P${n}`,
  body,
  createdAt: new Date(Date.UTC(2025, 4, 1, n)).toISOString(),
  publishedAt: new Date(Date.UTC(2025, 4, 1, n)).toISOString(),
});
const ids = (xs: readonly { id: string }[]) => xs.map((x) => x.id);

describe('the live feed', () => {
  const feed = [p(5), p(4), p(2)];
  it('puts a newly visible post where its publishing time belongs', () => {
    expect(ids(applyPostChange(feed, { kind: 'ADDED', id: 'P6', item: p(6) }))).toEqual(['P6', 'P5', 'P4', 'P2']);
    expect(ids(applyPostChange(feed, { kind: 'ADDED', id: 'P3', item: p(3) }))).toEqual(['P5', 'P4', 'P3', 'P2']);
  });
  it('leaves an older post for "Load more" when more pages follow', () => {
    expect(ids(applyPostChange(feed, { kind: 'ADDED', id: 'P1', item: p(1) }, true))).toEqual(['P5', 'P4', 'P2']);
    expect(ids(applyPostChange(feed, { kind: 'ADDED', id: 'P1', item: p(1) }, false))).toEqual(['P5', 'P4', 'P2', 'P1']);
  });
  it('drops a removed post at once and never keeps its content', () => {
    const out = applyPostChange(feed, { kind: 'REMOVED', id: 'P4', item: null });
    expect(ids(out)).toEqual(['P5', 'P2']);
    expect(JSON.stringify(out)).not.toContain('post 4');
  });
  it('replaces an edited post in place, and ignores one beyond the loaded pages', () => {
    const out = applyPostChange(feed, { kind: 'UPDATED', id: 'P4', item: p(4, 'edited') });
    expect(out.map((x) => x.body)).toEqual(['post 5', 'edited', 'post 2']);
    expect(ids(applyPostChange(feed, { kind: 'UPDATED', id: 'P1', item: p(1) }))).toEqual(['P5', 'P4', 'P2']);
  });
  it('applies a replayed ADDED once', () => {
    const once = applyPostChange(feed, { kind: 'ADDED', id: 'P6', item: p(6) });
    expect(ids(applyPostChange(once, { kind: 'ADDED', id: 'P6', item: p(6) }))).toEqual(['P6', 'P5', 'P4', 'P2']);
  });
  it('catches up from a refetched first page: removed posts go, later pages stay', () => {
    const shown = [p(9), p(8), p(7), p(3), p(2)];
    expect(ids(mergeFirstPage(shown, [p(10), p(9), p(7)], true))).toEqual(['P10', 'P9', 'P7', 'P3', 'P2']);
    expect(ids(mergeFirstPage(shown, [p(10), p(9)], false))).toEqual(['P10', 'P9']);
  });
});

const c = (id: string, parent: string | null = null, body = `comment ${id}`): Comment => ({
  id,
  status: 'PUBLISHED',
  statusReason: null,
  body,
  createdAt: '2025-05-01T10:00:00Z',
  editedAt: null,
  author: { displayName: 'Mina O.' },
  viewerIsAuthor: false,
  parent: parent ? { id: parent } : null,
  replies: parent ? undefined : [],
});

describe('the live comments', () => {
  const thread = [{ ...c('C1'), replies: [c('R1', 'C1')] }, c('C2')];
  it('appends a new comment at the end and a reply under its comment', () => {
    const out = applyCommentChange(applyCommentChange(thread, { kind: 'ADDED', id: 'C3', item: c('C3') }), {
      kind: 'ADDED',
      id: 'R2',
      item: c('R2', 'C1'),
    });
    expect(ids(out)).toEqual(['C1', 'C2', 'C3']);
    expect(ids(out[0].replies ?? [])).toEqual(['R1', 'R2']);
    expect(threadSize(out)).toBe(5);
  });
  it('replaces an approved or edited comment in place, keeping its replies', () => {
    const out = applyCommentChange(thread, { kind: 'UPDATED', id: 'C1', item: c('C1', null, 'edited') });
    expect(out[0].body).toBe('edited');
    expect(ids(out[0].replies ?? [])).toEqual(['R1']);
    const own = applyCommentChange(thread, { kind: 'ADDED', id: 'R1', item: { ...c('R1', 'C1', 'approved') } });
    expect(own[0].replies?.map((r) => r.body)).toEqual(['approved']);
  });
  it('drops a removed comment with its replies, and a removed reply', () => {
    expect(ids(applyCommentChange(thread, { kind: 'REMOVED', id: 'C1', item: null }))).toEqual(['C2']);
    expect(applyCommentChange(thread, { kind: 'REMOVED', id: 'R1', item: null })[0].replies).toEqual([]);
  });
  it('leaves out a reply whose comment is not on screen', () => {
    expect(threadSize(applyCommentChange(thread, { kind: 'ADDED', id: 'R9', item: c('R9', 'C9') }))).toBe(3);
  });
});

describe('who wrote it', () => {
  it('names the viewer as the server names authors', () => {
    expect(displayName('Mina', 'Okafor')).toBe('Mina O.');
    expect(displayName(' Élodie ', 'étienne')).toBe('Élodie É.');
    expect(displayName('Leo', '')).toBe('Leo');
    expect(displayName('', 'X')).toBe('Customer');
  });
  it("tells the viewer's own content by what the server says, not by the name", () => {
    expect(isOwn({ viewerIsAuthor: true })).toBe(true);
    // Another "Mina O." is not the viewer: the server tells, not the name.
    expect(isOwn({ viewerIsAuthor: false })).toBe(false);
  });
});

describe('reactions and flags', () => {
  it('reads a count per kind, zero when absent', () => {
    expect(countOf([{ kind: 'LOVE', count: 2 }], 'LOVE')).toBe(2);
    expect(countOf([{ kind: 'LOVE', count: 2 }], 'LIKE')).toBe(0);
  });
  it('asks for a reason, and a note for OTHER', () => {
    expect(flagProblem(null, '')).toBe('Pick a reason.');
    expect(flagProblem('OTHER', '  ')).toBe('Say what is wrong.');
    expect(flagProblem('OTHER', 'fake review')).toBeNull();
    expect(flagProblem('SPAM', '')).toBeNull();
  });
});

describe('talk errors in words', () => {
  it('tells a silenced author until when, and why', () => {
    const err = gqlError('FORBIDDEN', 'you are silenced in the community until 2030-05-03T12:00:00Z: spam links');
    expect(silenceFromMessage('you are silenced in the community until 2030-05-03T12:00:00Z: spam links')).toEqual({
      until: '2030-05-03T12:00:00Z',
      reason: 'spam links',
    });
    expect(silenceFromMessage('you are silenced in the community until 2030-05-03T12:00:00Z')?.reason).toBeNull();
    expect(describeTalkError(err)).toMatch(/^The store has paused your posting\. You can post again after .*May 3.*: spam links\.$/);
  });
  it('says nothing of a silence that is over', () => {
    expect(silenceText('2020-01-01T00:00:00Z', 'x', Date.parse('2025-01-01T00:00:00Z'))).toBeNull();
    expect(silenceText(null, null)).toBeNull();
  });
  it("words flags and reactions already there, and one's own content", () => {
    expect(describeTalkError(gqlError('CONFLICT', 'input.itemId: you have already flagged this', { field: 'input.itemId' }))).toBe(
      'You have already flagged this: the store will look at it.',
    );
    expect(describeTalkError(gqlError('CONFLICT', 'input.kind: you already left this reaction', { field: 'input.kind' }))).toBe(
      'You already left this reaction.',
    );
    expect(describeTalkError(gqlError('FORBIDDEN', 'input.itemId: you cannot flag your own content', { field: 'input.itemId' }))).toBe(
      "You can't flag what you wrote yourself.",
    );
  });
  it('words a comment or note to fix, and rate limits', () => {
    expect(describeTalkError(gqlError('INVALID_INPUT', 'input.body: must not be empty', { field: 'input.body' }))).toBe(
      'Check your comment: must not be empty.',
    );
    expect(
      describeTalkError(gqlError('INVALID_INPUT', 'input.note: say what is wrong when the reason is OTHER', { field: 'input.note' })),
    ).toBe('Check your note: say what is wrong when the reason is OTHER.');
    expect(describeTalkError(gqlError('THROTTLED', 'slow down', { retryAfter: 42 }))).toBe("You're doing that too often. Try again in 42 s.");
  });
});

describe('the operations', () => {
  const fragment = (source: string, name: string) => {
    const f = parse(source).definitions.find((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition' && d.name.value === name);
    if (!f) {
      throw new Error(`no fragment ${name}`);
    }
    return print(f.selectionSet);
  };
  it('streams posts with exactly the fields the page reads', () => {
    expect(fragment(liveDocument, 'LivePost')).toBe(fragment(communityDocument, 'CommunityPost'));
  });
  it('streams comments with exactly the fields the thread reads', () => {
    expect(fragment(liveDocument, 'LiveComment')).toBe(fragment(talkDocument, 'TalkComment'));
  });
});
