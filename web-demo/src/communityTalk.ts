// The rules the community page applies to its live feeds and its talk
// (comments, reactions, flags), and their words: pure functions, tested in
// communityTalk.test.ts.
import type { Comment, FeedChange, FlagReason, ReactionKind } from './api/communityOperations';
import { errorCode, errorExtensions } from './api/errors';
import { describeCommunityError } from './community';

/** A live update as postChanged and commentAdded send it: REMOVED carries only the id. */
export interface Change<T> {
  kind: FeedChange;
  id: string;
  item: T | null;
}

type Dated = { id: string; publishedAt: string | null; createdAt: string };

const published = (p: Dated) => Date.parse(p.publishedAt ?? p.createdAt);

/**
 * applyPostChange folds one postChanged update into the feed on screen
 * (newest first by publishing time). REMOVED drops the post at once, so
 * hidden content never stays on screen; ADDED or UPDATED of a post shown
 * replaces it in place; ADDED of a new one goes where its publishing time
 * puts it (a fresh post on top, a restored old one further down), unless
 * that is below the last loaded post while more pages follow: "Load more"
 * brings it then. UPDATED of a post not shown changes nothing (it is
 * beyond the pages loaded).
 */
export function applyPostChange<T extends Dated>(feed: readonly T[], c: Change<T>, more = false): T[] {
  if (c.kind === 'REMOVED' || !c.item) {
    return feed.filter((p) => p.id !== c.id);
  }
  const post = c.item;
  const at = feed.findIndex((p) => p.id === c.id);
  if (at >= 0) {
    return feed.map((p, i) => (i === at ? post : p));
  }
  if (c.kind === 'UPDATED') {
    return [...feed];
  }
  const t = published(post);
  const i = feed.findIndex((p) => published(p) < t);
  if (i < 0) {
    return more ? [...feed] : [...feed, post];
  }
  return [...feed.slice(0, i), post, ...feed.slice(i)];
}

/**
 * applyCommentChange folds one commentAdded update, or the viewer's own
 * new comment, into a thread (top-level comments oldest first, each with
 * its replies oldest first). REMOVED drops the comment, and a top-level
 * comment's replies with it (a reply is seen only with its comment);
 * ADDED or UPDATED of a comment shown replaces it, keeping its replies;
 * a new one is appended under its parent, or at the end. A reply whose
 * parent is not on screen waits for a refetch: it is left out.
 */
export function applyCommentChange(thread: readonly Comment[], c: Change<Comment>): Comment[] {
  if (c.kind === 'REMOVED' || !c.item) {
    return thread.filter((t) => t.id !== c.id).map((t) => ({ ...t, replies: (t.replies ?? []).filter((r) => r.id !== c.id) }));
  }
  const comment = c.item;
  const parentId = comment.parent?.id ?? null;
  if (parentId === null) {
    const at = thread.findIndex((t) => t.id === comment.id);
    if (at >= 0) {
      return thread.map((t, i) => (i === at ? { ...comment, replies: t.replies ?? [] } : t));
    }
    return [...thread, { ...comment, replies: comment.replies ?? [] }];
  }
  return thread.map((t) => {
    if (t.id !== parentId) {
      return t;
    }
    const replies = t.replies ?? [];
    const at = replies.findIndex((r) => r.id === comment.id);
    return { ...t, replies: at >= 0 ? replies.map((r, i) => (i === at ? comment : r)) : [...replies, comment] };
  });
}

/** appendComments puts a refetched page of comments after the ones shown, each once. */
export function appendComments(thread: readonly Comment[], page: readonly Comment[]): Comment[] {
  const seen = new Set(thread.map((t) => t.id));
  return [...thread, ...page.filter((t) => !seen.has(t.id))];
}

/** threadSize counts the comments and replies shown. */
export function threadSize(thread: readonly Comment[]): number {
  return thread.reduce((n, t) => n + 1 + (t.replies?.length ?? 0), 0);
}

/**
 * displayName is how the server names an author to others (first name and
 * the initial of the last: moderation.DisplayName), so the page can tell
 * the viewer's own posts and comments: the schema gives others' authors a
 * display name only, never an id.
 */
export function displayName(first: string, last: string): string {
  const f = first.trim();
  const l = last.trim();
  if (!f) {
    return 'Customer';
  }
  return l ? `${f} ${[...l][0].toUpperCase()}.` : f;
}

/**
 * isOwn: the viewer wrote it, as the server says (viewerIsAuthor), never
 * guessed from display names, which two customers can share.
 */
export function isOwn(item: { viewerIsAuthor: boolean }): boolean {
  return item.viewerIsAuthor;
}

/** The reactions, in the order the page shows them, with their words. */
export const reactionKinds: readonly ReactionKind[] = ['LIKE', 'LOVE', 'HELPFUL'];

const reactionLabels: Record<ReactionKind, string> = {
  LIKE: 'Like',
  LOVE: 'Love',
  HELPFUL: 'Helpful',
};

/**
 * reactionLabel is a reaction's word on its button. Words, not emoji:
 * phones and kiosks without a colour emoji font show empty boxes.
 */
export function reactionLabel(kind: ReactionKind): string {
  return reactionLabels[kind] ?? kind;
}

/** countOf reads one kind's count from reactionCounts (zero when absent). */
export function countOf(counts: readonly { kind: ReactionKind; count: number }[], kind: ReactionKind): number {
  return counts.find((c) => c.kind === kind)?.count ?? 0;
}

/** The flag reasons, as the form lists them. */
export const flagReasons: readonly { reason: FlagReason; label: string }[] = [
  { reason: 'SPAM', label: 'Spam or advertising' },
  { reason: 'OFFENSIVE', label: 'Offensive' },
  { reason: 'OFF_TOPIC', label: 'Off topic' },
  { reason: 'OTHER', label: 'Something else' },
];

/** The longest flag note (community.MaxFlagNote). */
export const maxFlagNote = 500;
/** The longest comment (community.MaxCommentBody). */
export const maxCommentBody = 5000;

/** flagProblem says what is missing before a flag is sent: OTHER needs a note. */
export function flagProblem(reason: FlagReason | null, note: string): string | null {
  if (!reason) {
    return 'Pick a reason.';
  }
  if (reason === 'OTHER' && !note.trim()) {
    return 'Say what is wrong.';
  }
  return null;
}

/** commentStatusText: the author's own comment that is not published says so. */
export function commentStatusText(c: Pick<Comment, 'status' | 'statusReason'>): string | null {
  switch (c.status) {
    case 'PUBLISHED':
      return null;
    case 'PENDING':
      return 'Waiting for approval: only you can see it until the store approves it.';
    case 'REJECTED':
      return c.statusReason ? `Not published: ${c.statusReason}` : 'Not published';
    case 'HIDDEN':
      return c.statusReason ? `Hidden by the store: ${c.statusReason}` : 'Hidden by the store';
    default:
      return String(c.status);
  }
}

/**
 * describeTalkError phrases what the server refused on a post's page: a
 * silence with its end and reason, a flag or reaction already there, one's
 * own content, a note or comment to fix; the rest as on the community
 * page (describeCommunityError: rate limits, missing posts, ...).
 */
export function describeTalkError(err: unknown): string {
  const code = errorCode(err);
  const ext = errorExtensions(err);
  const field = typeof ext?.extensions.field === 'string' ? ext.extensions.field : null;
  const message = ext?.message ?? '';
  const detail = message.replace(/^[\w.[\]]+: /, '');
  if (code === 'FORBIDDEN' && field === 'input.itemId') {
    return "You can't flag what you wrote yourself.";
  }
  if (code === 'CONFLICT' && field === 'input.itemId') {
    return 'You have already flagged this: the store will look at it.';
  }
  if (code === 'CONFLICT' && field === 'input.kind') {
    return 'You already left this reaction.';
  }
  if (code === 'NOT_FOUND' && (field === 'input.postId' || field === 'input.itemId')) {
    return 'This is no longer there: it may have been removed.';
  }
  if (code === 'NOT_FOUND' && field === 'input.parentId') {
    return 'The comment you answer is no longer there.';
  }
  if (code === 'INVALID_INPUT' && field && talkFields[field]) {
    return detail ? `Check ${talkFields[field]}: ${detail}.` : `Check ${talkFields[field]}.`;
  }
  return describeCommunityError(err);
}

const talkFields: Record<string, string> = {
  'input.body': 'your comment',
  'input.note': 'your note',
  'input.reason': 'the reason',
  'input.parentId': 'the comment you answer',
};

/**
 * mergeFirstPage brings a feed up to date with a refetch of its first page
 * (a live feed that subscribed without a cursor): the page is the truth for
 * the span it covers, so a post removed meanwhile goes and an edited one
 * is replaced; posts loaded further down stay when the page says more
 * follow.
 */
export function mergeFirstPage<T extends Dated>(feed: readonly T[], page: readonly T[], more: boolean): T[] {
  if (!more || page.length === 0) {
    return [...page];
  }
  const inPage = new Set(page.map((p) => p.id));
  const oldest = published(page[page.length - 1]);
  return [...page, ...feed.filter((p) => !inPage.has(p.id) && published(p) < oldest)];
}
