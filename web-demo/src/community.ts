// How the community reads on screen, and the rules the community page and
// the admin SPA apply to what the server sends: pure functions, tested in
// community.test.ts.
import type { Decision, ModeratedItem, ModerationAction, Post, ReactionKind, TaggableProductsData, TrailAction } from './api/communityOperations';
import { AppError, describeError, errorCode, errorExtensions } from './api/errors';
import type { ModerationStatus } from './api/reviewOperations';
import { formatDateTime, type Tone } from './format';

/** The most photos or videos a post takes (the server's community.MaxMedia). */
export const maxPostPhotos = 10;
/** The most products a post tags (community.MaxProducts). */
export const maxPostProducts = 10;
/** The longest post, in characters (community.MaxBody). */
export const maxPostBody = 10000;

/** postStatusText says where the author's post stands, in words. */
export function postStatusText(status: ModerationStatus, reason: string | null = null): { text: string; tone: Tone } {
  switch (status) {
    case 'PUBLISHED':
      return { text: 'Published', tone: 'good' };
    case 'PENDING':
      return { text: 'Waiting for approval', tone: 'moving' };
    case 'REJECTED':
      return { text: reason ? `Not published: ${reason}` : 'Not published', tone: 'alert' };
    case 'HIDDEN':
      return { text: reason ? `Hidden by the store: ${reason}` : 'Hidden by the store', tone: 'muted' };
    default:
      return { text: String(status), tone: 'muted' };
  }
}

/**
 * postedText tells the author what happened to the post they just wrote:
 * it is in the feed, or it waits for the store.
 */
export function postedText(p: Pick<Post, 'status' | 'topic'>): string {
  return p.status === 'PUBLISHED'
    ? `Posted in ${p.topic.name}.`
    : 'Thanks! Your post is waiting for approval: the store checks first posts before others see them.';
}

const reactionWords: Record<ReactionKind, [string, string]> = {
  LIKE: ['like', 'likes'],
  LOVE: ['love', 'loves'],
  HELPFUL: ['found it helpful', 'found it helpful'],
};

/** reactionsText sums up a post's reactions: "3 likes · 1 love"; empty when none. */
export function reactionsText(counts: readonly { kind: ReactionKind; count: number }[]): string {
  return counts
    .filter((c) => c.count > 0)
    .map((c) => {
      const [one, many] = reactionWords[c.kind] ?? [c.kind.toLowerCase(), c.kind.toLowerCase()];
      return `${c.count} ${c.count === 1 ? one : many}`;
    })
    .join(' · ');
}

/** commentsText: "No comments", "1 comment", "4 comments". */
export function commentsText(n: number): string {
  return n === 0 ? 'No comments' : `${n} ${n === 1 ? 'comment' : 'comments'}`;
}

/**
 * appendPosts adds a page to a feed, each post once (by id), keeping the
 * feed's order: a post can move to a later page while the reader pages
 * (another post was published meanwhile), and must not show twice.
 */
export function appendPosts<T extends { id: string }>(feed: readonly T[], page: readonly T[]): T[] {
  const seen = new Set(feed.map((p) => p.id));
  return [...feed, ...page.filter((p) => !seen.has(p.id))];
}

/**
 * prependPosts puts posts that arrived live (postAdded) or were just
 * written on top of the feed, newest first, each once; a post already
 * shown is replaced in place (it was edited).
 */
export function prependPosts<T extends { id: string }>(feed: readonly T[], fresh: readonly T[]): T[] {
  const byId = new Map(fresh.map((p) => [p.id, p]));
  const kept = feed.map((p) => byId.get(p.id) ?? p);
  const shown = new Set(feed.map((p) => p.id));
  const added = [...fresh].reverse().filter((p) => !shown.has(p.id));
  return [...added, ...kept];
}

/** removePost drops a post the page learns was hidden, removed or deleted. */
export function removePost<T extends { id: string }>(feed: readonly T[], id: string): T[] {
  return feed.filter((p) => p.id !== id);
}

/** A product the customer may tag. */
export interface Taggable {
  id: string;
  name: string;
}

/** taggableProducts lists the products of the customer's orders, once each, by name. */
export function taggableProducts(d: TaggableProductsData): Taggable[] {
  const byId = new Map<string, Taggable>();
  for (const e of d.orders.edges ?? []) {
    for (const it of e?.node?.items ?? []) {
      byId.set(it.product.id, { id: it.product.id, name: it.product.name });
    }
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** feedEmptyText is the empty state of a feed: all topics, one topic, or the customer's own posts. */
export function feedEmptyText(topicName: string | null, mine = false): string {
  if (mine) {
    return "You haven't posted yet. Share an unboxing, a recipe or a tip.";
  }
  return topicName ? `No posts in ${topicName} yet. Be the first!` : 'No posts yet. Be the first!';
}

const fieldNames: Record<string, string> = {
  'input.body': 'your post',
  'input.topic': 'the topic',
  'input.mediaIds': 'the photos',
  'input.productIds': 'the products',
  'input.slug': 'the slug',
  'input.name': 'the name',
  'input.description': 'the description',
  'input.reason': 'the reason',
  'input.word': 'the word',
  'input.topicIds': 'the topics',
  file: 'the photo',
};

/** communityField names an error's extensions.field: "input.mediaIds[2]" is "photo 3". */
export function communityField(field: string): string {
  const m = /^input\.(mediaIds|productIds)\[(\d+)\]$/.exec(field);
  if (m) {
    return `${m[1] === 'mediaIds' ? 'photo' : 'product'} ${Number(m[2]) + 1}`;
  }
  return fieldNames[field] ?? field;
}

/**
 * describeCommunityError phrases what the server refused on the community
 * page or the admin SPA, from its extensions.code (and field, retryAfter):
 * the general sentences (describeError) speak of orders and connections.
 */
export function describeCommunityError(err: unknown): string {
  const code = errorCode(err);
  const ext = errorExtensions(err);
  const field = typeof ext?.extensions.field === 'string' ? ext.extensions.field : null;
  const detail = (ext?.message ?? '').replace(/^[\w.[\]]+: /, '');
  switch (code) {
    case 'INVALID_INPUT': {
      const what = field ? `Check ${communityField(field)}` : 'Check what you wrote';
      return detail ? `${what}: ${detail}.` : `${what}.`;
    }
    case 'NOT_FOUND':
      if (field === 'input.topic') {
        return 'That topic is gone. Reload the page and pick another.';
      }
      return field ? `${capital(communityField(field))} is no longer available. Remove it and try again.` : 'That post is no longer there.';
    case 'CONFLICT':
      return detail ? `${capital(detail)}. Reload to see the latest.` : 'That changed meanwhile. Reload to see the latest.';
    case 'FORBIDDEN': {
      const s = silenceFromMessage(detail);
      if (s) {
        return silenceText(s.until, s.reason, 0) ?? 'The store has paused your posting.';
      }
      return detail ? `${capital(detail)}.` : "You can't do that here.";
    }
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Sign in again.';
    case 'THROTTLED': {
      const wait = Number(ext?.extensions.retryAfter);
      return Number.isFinite(wait) && wait > 0
        ? `You're doing that too often. Try again in ${formatWait(wait)}.`
        : "You're doing that too often. Try again in a moment.";
    }
    default:
      return describeError(err);
  }
}

/**
 * silenceText words a silence: "You can post again after 3 May 2025,
 * 14:00: spam links.", or null when there is none (or it is over).
 */
export function silenceText(until: string | null, reason: string | null, now = Date.now()): string | null {
  if (!until || Date.parse(until) <= now) {
    return null;
  }
  const why = reason?.trim().replace(/[.!]$/, '');
  return `The store has paused your posting. You can post again after ${formatDateTime(until)}${why ? `: ${why}` : ''}.`;
}

/**
 * silenceFromMessage reads the server's refusal of a silenced author ("you
 * are silenced in the community until <RFC 3339>: <reason>"), or null.
 */
export function silenceFromMessage(message: string): { until: string; reason: string | null } | null {
  const m = /silenced in the community until (\S+?)(?:: (.*))?$/.exec(message);
  if (!m || Number.isNaN(Date.parse(m[1]))) {
    return null;
  }
  return { until: m[1], reason: m[2] ?? null };
}

/** communityError is an AppError worded for the community screens. */
export function communityError(err: unknown): AppError {
  return new AppError(describeCommunityError(err), errorCode(err), { cause: err });
}

function formatWait(seconds: number): string {
  return seconds < 90 ? `${Math.ceil(seconds)} s` : `${Math.ceil(seconds / 60)} min`;
}

function capital(s: string): string {
  const t = s.trim().replace(/[.!]$/, '');
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

// --- the admin SPA

/**
 * actionsFor lists what staff may do to an item in a status, as the
 * server's moderation.Transition allows: approve or reject what waits,
 * hide what is published, restore (or reject for good) what is hidden,
 * restore what was rejected.
 */
export function actionsFor(status: ModerationStatus): ModerationAction[] {
  switch (status) {
    case 'PENDING':
      return ['APPROVE', 'REJECT'];
    case 'PUBLISHED':
      return ['HIDE', 'REJECT'];
    case 'HIDDEN':
      return ['RESTORE', 'REJECT'];
    case 'REJECTED':
      return ['RESTORE'];
    default:
      return [];
  }
}

/** needsReason: rejecting and hiding must say why (the author sees it). */
export function needsReason(a: ModerationAction): boolean {
  return a === 'REJECT' || a === 'HIDE';
}

const actionWords: Record<TrailAction, [string, string]> = {
  APPROVE: ['Approve', 'Approved'],
  REJECT: ['Reject', 'Rejected'],
  HIDE: ['Hide', 'Hidden'],
  RESTORE: ['Restore', 'Restored'],
  SILENCE: ['Silence', 'Silenced'],
  UNSILENCE: ['Unsilence', 'Unsilenced'],
};

/** actionLabel is a button's word for an action. */
export function actionLabel(a: ModerationAction): string {
  return actionWords[a][0];
}

/** decisionText tells an audit-trail entry in words: "Approved by admin", "Held for approval by the rule". */
export function decisionText(d: Pick<Decision, 'action' | 'toStatus' | 'actor' | 'silencedUntil'>, locale?: string): string {
  if (d.action === 'SILENCE' && d.silencedUntil) {
    return `Silenced until ${formatDateTime(d.silencedUntil, locale)} by ${d.actor}`;
  }
  if (!d.action) {
    switch (d.toStatus) {
      case 'PUBLISHED':
        return 'Published at once by the rule';
      case 'PENDING':
        return 'Held for approval by the rule';
      case 'HIDDEN':
        return 'Hidden automatically';
      default:
        return d.toStatus ? `${postStatusText(d.toStatus).text} automatically` : 'Recorded automatically';
    }
  }
  return `${actionWords[d.action][1]} by ${d.actor}`;
}

/** itemHeading names a queue item: "Post in Unboxing by Jonas W.", "Review of Hand grinder by Leo B. (4★)". */
export function itemHeading(item: ModeratedItem): string {
  const who = item.author ? ` by ${item.author.displayName}` : '';
  if (item.__typename === 'Post') {
    return `Post in ${item.topic?.name ?? 'the community'}${who}`;
  }
  if (item.__typename === 'Review') {
    return `Review of ${item.product?.name ?? 'a product'}${who}${item.rating ? ` (${item.rating}★)` : ''}`;
  }
  return `${item.__typename}${who}`;
}

/**
 * moveTopic returns ids with the one at index moved by delta places
 * (-1 up, +1 down), unchanged at either end: what reorderTopics sends.
 */
export function moveTopic(ids: readonly string[], index: number, delta: number): string[] {
  const to = index + delta;
  if (index < 0 || index >= ids.length || to < 0 || to >= ids.length) {
    return [...ids];
  }
  const out = [...ids];
  const [id] = out.splice(index, 1);
  out.splice(to, 0, id);
  return out;
}

const wordActions: Record<string, string> = {
  BLOCK: 'Refuse the post or review',
  REQUIRE_APPROVAL: 'Hold for approval',
  FLAG: 'Mark for staff',
  CENSOR: 'Mask for other readers',
};

/** wordActionText explains a watched word's action. */
export function wordActionText(action: string): string {
  return wordActions[action] ?? action;
}
