// The "My rewards" page's and the admin loyalty screens' wording and rules,
// pure: points and dates in words, the tier's progress bar, when pending
// points become available, ledger lines, referral states, errors, and how
// a live update and a new ledger page fold into what is on screen.
import { describeError, errorCode, errorExtensions } from './api/errors';
import type { Money } from './api/operations';
import type { Balance, EntryKind, EntryStatus, LedgerEntry, Loyalty, LoyaltyUpdate, ReferralStatus, Reward } from './api/rewardOperations';
import { formatDate, formatMoney, type Label } from './format';

const numbers = new Map<string, Intl.NumberFormat>();

/** pointsText: "1 point", "1,250 points" (grouped in the shopper's locale). */
export function pointsText(n: number, locale?: string): string {
  let f = numbers.get(locale ?? '');
  if (!f) {
    f = new Intl.NumberFormat(locale);
    numbers.set(locale ?? '', f);
  }
  return `${f.format(n)} ${Math.abs(n) === 1 ? 'point' : 'points'}`;
}

/** signedPointsText: "+250", "−150" for a ledger line (a real minus sign). */
export function signedPointsText(n: number, locale?: string): string {
  const abs = pointsText(Math.abs(n), locale).replace(/ points?$/, '');
  return n < 0 ? `−${abs}` : `+${abs}`;
}

/**
 * tierProgress is how far the rolling spend has come towards the next tier,
 * from 0 to 1: spend / (spend + what is left to reach it). null at the top
 * tier (nothing to progress to) or when the spend is unknown.
 */
export function tierProgress(spend: Money | null, next: Loyalty['nextTier']): number | null {
  if (!next || !spend) {
    return null;
  }
  const have = Math.max(Number(spend.amount), 0);
  const left = Math.max(Number(next.spendToReach.amount), 0);
  if (!Number.isFinite(have) || !Number.isFinite(left)) {
    return null;
  }
  if (have + left === 0) {
    return 0;
  }
  return Math.min(1, have / (have + left));
}

/** nextTierText: "Spend €73.50 more to reach Gold." or the top-tier line. */
export function nextTierText(next: Loyalty['nextTier'], tier: Loyalty['tier'], locale?: string): string {
  if (!next) {
    return tier ? `${tier.name} is the top tier.` : 'Shop to join the program’s tiers.';
  }
  return `Spend ${formatMoney(next.spendToReach, locale)} more to reach ${next.name}.`;
}

/** keepTierText: "Spend €192.50 by 12 Feb 2027 to stay Silver."; null when the tier cannot lapse. */
export function keepTierText(keep: Loyalty['keepTier'], tier: Loyalty['tier'], locale?: string): string | null {
  if (!keep || !tier) {
    return null;
  }
  return `Spend ${formatMoney(keep.spendNeeded, locale)} by ${formatDate(keep.by, locale)} to stay ${tier.name}.`;
}

/** A release of pending points: how many become available, and when. */
export interface Release {
  points: number;
  at: string;
}

/**
 * nextRelease is the next date pending points become available and how
 * many do then, from the ledger's PENDING entries (a pending reversal
 * counts against its date, as the server releases them together). null
 * when nothing on the page is pending.
 */
export function nextRelease(entries: LedgerEntry[]): Release | null {
  const byDate = new Map<number, Release>();
  for (const e of entries) {
    if (e.status !== 'PENDING' || !e.availableAt) {
      continue;
    }
    const t = Date.parse(e.availableAt);
    const r = byDate.get(t) ?? { points: 0, at: e.availableAt };
    r.points += e.points;
    byDate.set(t, r);
  }
  const first = [...byDate.entries()].sort((a, b) => a[0] - b[0]).find(([, r]) => r.points > 0);
  return first ? first[1] : null;
}

/**
 * pendingText: "120 points pending: 46 available on 23 Dec 2026." or null
 * with nothing pending. A release of unknown size (points 0: the date from
 * the server's nextAvailableAt, its entries beyond the ledger page shown)
 * reads "the first available on …".
 */
export function pendingText(balance: Balance, release: Release | null, locale?: string): string | null {
  if (balance.pending <= 0) {
    return null;
  }
  const head = `${pointsText(balance.pending, locale)} pending`;
  if (!release) {
    return `${head}: they become available when their orders’ return windows close.`;
  }
  const part =
    release.points >= balance.pending ? 'available' : release.points > 0 ? `${pointsText(release.points, locale)} available` : 'the first available';
  return `${head}: ${part} on ${formatDate(release.at, locale)}.`;
}

const kinds: Record<EntryKind, string> = {
  ORDER: 'Order',
  REVIEW: 'Review published',
  POST: 'Community post',
  REFERRAL: 'Referral',
  REDEEMED: 'Redeemed',
  EXPIRED: 'Points expired',
  REVERSED: 'Taken back',
  ADJUSTED: 'From the store',
  REFUNDED: 'Reward refunded',
};

/** entryTitle is a ledger line's heading: "Order AC-1000", "Redeemed: €5 off", "From the store: <reason>". */
export function entryTitle(e: Pick<LedgerEntry, 'kind' | 'reason' | 'order'>): string {
  const base = kinds[e.kind] ?? e.kind;
  if (e.kind === 'ORDER' && e.order) {
    return `${base} ${e.order.number}`;
  }
  if ((e.kind === 'REDEEMED' || e.kind === 'ADJUSTED' || e.kind === 'REVERSED' || e.kind === 'REFUNDED') && e.reason) {
    return `${base}: ${e.reason}`;
  }
  return base;
}

/** entryStatusText is where a ledger line stands: pending until a date, taken back, or nothing to say. */
export function entryStatusText(e: Pick<LedgerEntry, 'status' | 'availableAt'>, locale?: string): Label | null {
  const s: EntryStatus = e.status;
  switch (s) {
    case 'PENDING':
      return { text: e.availableAt ? `Pending until ${formatDate(e.availableAt, locale)}` : 'Pending', tone: 'moving' };
    case 'REVERSED':
      return { text: 'Taken back', tone: 'alert' };
    default:
      return null;
  }
}

const referralStatuses: Record<ReferralStatus, Label> = {
  PENDING: { text: 'Waiting for their first order', tone: 'moving' },
  COMPLETE: { text: 'Complete: you both got your reward', tone: 'good' },
  HELD: { text: 'Being checked by the store', tone: 'alert' },
  CANCELED: { text: 'Canceled', tone: 'muted' },
};

/** referralStatusText says where a referral stands, for the referrer. */
export function referralStatusText(s: ReferralStatus): Label {
  return referralStatuses[s] ?? { text: s, tone: 'muted' };
}

/** rewardAction is what a reward's button says, and whether it can be pressed. */
export function rewardAction(r: Pick<Reward, 'pointsCost'>, balance: Balance, locale?: string): { text: string; enabled: boolean } {
  if (r.pointsCost <= balance.available) {
    return { text: `Redeem for ${pointsText(r.pointsCost, locale)}`, enabled: true };
  }
  return { text: `${pointsText(r.pointsCost - balance.available, locale)} to go`, enabled: false };
}

/** describeRewardsError puts a refused redemption or adjustment in words. */
export function describeRewardsError(err: unknown): string {
  switch (errorCode(err)) {
    case 'INSUFFICIENT_POINTS':
      return 'You don’t have enough points for that yet.';
    case 'NOT_FOUND':
      return 'That reward is no longer in the catalogue. Reload to see what is.';
    case 'CONFLICT': {
      // The server says why in words ("… can no longer be redeemed").
      const m = errorExtensions(err)?.message.trim();
      return m ? `${m[0].toUpperCase()}${m.slice(1)}${/[.!?]$/.test(m) ? '' : '.'}` : describeError(err);
    }
    default:
      return describeError(err);
  }
}

/** Empty states in words. */
export const emptyText = {
  ledger: 'No points yet. You earn them for delivered orders, verified reviews and community posts.',
  rewards: 'The store has no rewards to redeem right now.',
  referrals: 'No one has used your link yet. Share it: you both get points after their first order.',
} as const;

/**
 * applyUpdate folds a live loyaltyUpdated event into the loyalty on
 * screen: the event carries the whole standing as it is now, so it
 * replaces it. It reports whether the ledger must be read again: when the
 * balance moved (a new entry, or pending points released).
 */
export function applyUpdate<L extends Loyalty>(l: L, u: LoyaltyUpdate): { loyalty: L; refetch: boolean } {
  const moved = l.balance.available !== u.balance.available || l.balance.pending !== u.balance.pending;
  const { cursor: _cursor, ...standing } = u;
  return { loyalty: { ...l, ...standing, balance: { ...u.balance } }, refetch: moved };
}

/** appendEntries adds a further ledger page, skipping lines already shown (a refetch may overlap). */
export function appendEntries<E extends { id: string }>(shown: E[], more: E[]): E[] {
  const ids = new Set(shown.map((e) => e.id));
  return [...shown, ...more.filter((e) => !ids.has(e.id))];
}

/**
 * adjustmentProblem checks the admin's adjustment form before sending: a
 * whole number of points, not zero, and a reason (the customer reads it).
 * null when it can be sent.
 */
export function adjustmentProblem(points: string, reason: string): string | null {
  const p = points.trim();
  if (!/^[+-]?\d+$/.test(p) || Number(p) === 0) {
    return 'Enter a whole number of points, like 100 or -50 (not 0).';
  }
  if (!reason.trim()) {
    return 'Say why: the customer sees the reason on their ledger.';
  }
  return null;
}
