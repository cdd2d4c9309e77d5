// The live moderation queue as the screen holds it, and how loads,
// moderationQueueChanged events and the admin's own decisions fold into
// it: pure functions, tested in queue.test.ts.
//
// The count moves only by the feed's events, never by a decision's answer:
// the feed is the one source that sees every instance and every kind of
// move (a flag hold that HIDE settles stays HIDDEN yet leaves the queue;
// no status tells that). Each item's membership is remembered, so an
// event that says what is already known (a replay overlapping a refetch,
// ENTERED for an item the load already counted) changes nothing; a
// decision therefore lowers the count exactly once, when its LEFT event
// arrives. Cards are not the count: a card the admin just decided stays,
// with its outcome, and one that left by someone else's hand stays with a
// note, until the admin refreshes.
import type { ModeratedItem } from '../api/communityOperations';
import type { QueueUpdate } from './operations';

/** What a card in the queue says about where its item went. */
export type EntryState =
  /** It waits for a decision. */
  | { kind: 'waiting' }
  /** This admin decided it here; words: "Approved by you". */
  | { kind: 'decided'; words: string }
  /** It left the queue otherwise (another admin, its author); words say how. */
  | { kind: 'left'; words: string };

/** QueueEntry is a card: the item as last seen, and its state. */
export interface QueueEntry {
  item: ModeratedItem;
  state: EntryState;
}

/** QueueModel is the queue on screen. */
export interface QueueModel {
  /** How many items wait, as the server counted at the last load, moved by the feed since. */
  total: number;
  /** The cards, oldest first. */
  entries: QueueEntry[];
  /** Whether each item seen since the last load is in the queue now. */
  inQueue: Record<string, boolean>;
}

/** A page of the queue as moderationQueue returns it. */
export interface QueuePage {
  total: number;
  items: ModeratedItem[];
}

/**
 * queueLoaded builds the queue from a fresh page. With prev (a resync after
 * the feed connected), cards the admin decided or watched leave stay where
 * they were among the fresh ones, so a background refetch never takes a
 * card from under the admin; without (the Refresh button) the page is
 * shown as the server has it.
 */
export function queueLoaded(prev: QueueModel | null, page: QueuePage): QueueModel {
  const fresh = new Set(page.items.map((i) => i.id));
  const inQueue: Record<string, boolean> = {};
  const before = new Map<string, QueueEntry>();
  // Kept cards, keyed by the fresh card they followed (null: the top).
  const after = new Map<string | null, QueueEntry[]>();
  let anchor: string | null = null;
  for (const e of prev?.entries ?? []) {
    before.set(e.item.id, e);
    if (fresh.has(e.item.id)) {
      anchor = e.item.id;
    } else if (e.state.kind !== 'waiting') {
      after.set(anchor, [...(after.get(anchor) ?? []), e]);
      inQueue[e.item.id] = false;
    }
  }
  const entries: QueueEntry[] = [...(after.get(null) ?? [])];
  for (const item of page.items) {
    inQueue[item.id] = true;
    const old = before.get(item.id);
    // A card decided here keeps its outcome (and the item as the decision
    // left it) even if this page was read just before the decision.
    entries.push(old?.state.kind === 'decided' ? old : { item, state: { kind: 'waiting' } });
    entries.push(...(after.get(item.id) ?? []));
  }
  return { total: page.total, entries, inQueue };
}

/**
 * queueChanged folds one moderationQueueChanged event in. ENTERED raises
 * the count and shows the item (last, as the newest; an item already on
 * screen gets its card back, waiting again); LEFT lowers the count and
 * marks a waiting card with how it left; a card the admin decided keeps
 * its outcome. An event that repeats what is known moves nothing.
 */
export function queueChanged(q: QueueModel, u: QueueUpdate): QueueModel {
  const entering = u.kind === 'ENTERED';
  const known = q.inQueue[u.itemId];
  const total = known === entering ? q.total : Math.max(0, q.total + (entering ? 1 : -1));
  const inQueue = { ...q.inQueue, [u.itemId]: entering };
  const at = q.entries.findIndex((e) => e.item.id === u.itemId);
  const entries = [...q.entries];
  if (entering) {
    if (u.item && at >= 0) {
      entries[at] = known === true ? { ...entries[at], item: u.item } : { item: u.item, state: { kind: 'waiting' } };
    } else if (u.item) {
      entries.push({ item: u.item, state: { kind: 'waiting' } });
    }
  } else if (at >= 0) {
    const e = entries[at];
    entries[at] = e.state.kind === 'waiting' ? { item: u.item ?? e.item, state: { kind: 'left', words: leftWords(u.item) } } : e;
  }
  return { total, entries, inQueue };
}

/**
 * queueDecided shows the admin's decision on its card at once. The count
 * waits for the feed's LEFT (see the file's comment).
 */
export function queueDecided(q: QueueModel, item: ModeratedItem, words: string): QueueModel {
  return {
    ...q,
    entries: q.entries.map((e) => (e.item.id === item.id ? { item, state: { kind: 'decided', words } } : e)),
  };
}

const nowWords: Record<string, string> = {
  PUBLISHED: 'published',
  REJECTED: 'rejected',
  HIDDEN: 'hidden',
  PENDING: 'waiting again',
};

/** leftWords says how an item someone else moved left the queue. */
export function leftWords(item: ModeratedItem | null): string {
  if (!item) {
    return 'Deleted by its author.';
  }
  return `Decided by another moderator: now ${nowWords[item.status] ?? String(item.status).toLowerCase()}.`;
}

const youWords: Record<string, string> = {
  APPROVE: 'Approved by you',
  REJECT: 'Rejected by you',
  HIDE: 'Hidden by you',
  RESTORE: 'Restored by you',
};

/** decidedByYou is a decided card's outcome: "Approved by you". */
export function decidedByYou(action: string): string {
  return youWords[action] ?? `${action.toLowerCase()} by you`;
}
