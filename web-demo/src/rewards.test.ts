import { CombinedError } from '@urql/core';
import { describe, expect, it } from 'vitest';
import type { LedgerEntry, Loyalty } from './api/rewardOperations';
import {
  adjustmentProblem,
  appendEntries,
  applyUpdate,
  describeRewardsError,
  entryStatusText,
  entryTitle,
  keepTierText,
  nextRelease,
  nextTierText,
  pendingText,
  pointsText,
  referralStatusText,
  rewardAction,
  signedPointsText,
  tierProgress,
} from './rewards';

const eur = (amount: string) => ({ amount, currencyCode: 'EUR' });
const entry = (id: string, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  id,
  kind: 'ORDER',
  points: 10,
  status: 'AVAILABLE',
  availableAt: null,
  reason: null,
  createdAt: '2026-11-01T10:00:00Z',
  order: null,
  ...over,
});
const silver: Loyalty = {
  balance: { available: 500, pending: 46 },
  tier: { name: 'Silver', earnMultiplier: 1.25, benefits: ['Free standard shipping'] },
  nextTier: { name: 'Gold', spendToReach: eur('973.50') },
  keepTier: { spendNeeded: eur('192.50'), by: '2027-02-01T12:00:00Z' },
  qualifyingSpend: eur('526.50'),
  nextAvailableAt: '2026-12-20T10:00:00Z',
};

describe('points in words', () => {
  it('counts and signs points', () => {
    expect(pointsText(1, 'en')).toBe('1 point');
    expect(pointsText(1250, 'en')).toBe('1,250 points');
    expect(signedPointsText(250, 'en')).toBe('+250');
    expect(signedPointsText(-1500, 'en')).toBe('−1,500');
  });
});

describe('tier progress', () => {
  it('is the share of the way from nothing to the next tier', () => {
    expect(tierProgress(eur('526.50'), silver.nextTier)).toBeCloseTo(526.5 / 1500);
    expect(tierProgress(eur('0'), silver.nextTier)).toBe(0);
  });
  it('has no bar at the top tier or without a spend', () => {
    expect(tierProgress(eur('2000'), null)).toBeNull();
    expect(tierProgress(null, silver.nextTier)).toBeNull();
  });
  it('never leaves 0..1', () => {
    expect(tierProgress(eur('-5'), silver.nextTier)).toBe(0);
    expect(tierProgress(eur('10'), { name: 'Gold', spendToReach: eur('-1') })).toBe(1);
  });
  it('says what to spend to reach the next and to keep the current', () => {
    expect(nextTierText(silver.nextTier, silver.tier, 'en')).toBe('Spend €973.50 more to reach Gold.');
    expect(nextTierText(null, { name: 'Gold', earnMultiplier: 1.5, benefits: [] })).toBe('Gold is the top tier.');
    expect(keepTierText(silver.keepTier, silver.tier, 'en')).toBe('Spend €192.50 by Feb 1, 2027 to stay Silver.');
    expect(keepTierText(null, silver.tier)).toBeNull();
  });
});

describe('pending points', () => {
  it('finds the next release date and what it releases', () => {
    const es = [
      entry('1', { status: 'PENDING', points: 46, availableAt: '2026-12-20T10:00:00Z' }),
      entry('2', { status: 'PENDING', points: 30, availableAt: '2026-12-05T10:00:00Z' }),
      entry('3', { status: 'PENDING', points: -30, availableAt: '2026-12-05T10:00:00Z', kind: 'REVERSED' }),
      entry('4', { points: 200 }),
    ];
    // The 5 Dec release nets to nothing (all of it was returned): the next is 20 Dec.
    expect(nextRelease(es)).toEqual({ points: 46, at: '2026-12-20T10:00:00Z' });
    expect(nextRelease([entry('5')])).toBeNull();
  });
  it('words the pending balance with its date', () => {
    expect(pendingText({ available: 10, pending: 46 }, { points: 46, at: '2026-12-20T10:00:00Z' }, 'en')).toBe(
      '46 points pending: available on Dec 20, 2026.',
    );
    expect(pendingText({ available: 10, pending: 80 }, { points: 46, at: '2026-12-20T10:00:00Z' }, 'en')).toBe(
      '80 points pending: 46 points available on Dec 20, 2026.',
    );
    expect(pendingText({ available: 10, pending: 80 }, null)).toMatch(/return windows close/);
    expect(pendingText({ available: 10, pending: 80 }, { points: 0, at: '2026-12-20T10:00:00Z' }, 'en')).toBe(
      '80 points pending: the first available on Dec 20, 2026.',
    );
    expect(pendingText({ available: 10, pending: 0 }, null)).toBeNull();
  });
});

describe('ledger lines', () => {
  it('title what the points were for', () => {
    expect(entryTitle(entry('1', { order: { number: 'AC-1000' } }))).toBe('Order AC-1000');
    expect(entryTitle(entry('1', { kind: 'REDEEMED', reason: '€5 off' }))).toBe('Redeemed: €5 off');
    expect(entryTitle(entry('1', { kind: 'ADJUSTED', reason: 'Sorry!' }))).toBe('From the store: Sorry!');
    expect(entryTitle(entry('1', { kind: 'REVIEW', reason: 'review 9' }))).toBe('Review published');
  });
  it('say when pending points arrive and when points were taken back', () => {
    expect(entryStatusText({ status: 'PENDING', availableAt: '2026-12-20T10:00:00Z' }, 'en')?.text).toBe('Pending until Dec 20, 2026');
    expect(entryStatusText({ status: 'REVERSED', availableAt: null })?.tone).toBe('alert');
    expect(entryStatusText({ status: 'AVAILABLE', availableAt: null })).toBeNull();
  });
  it('append a page without repeating lines', () => {
    expect(appendEntries([entry('1'), entry('2')], [entry('2'), entry('3')]).map((e) => e.id)).toEqual(['1', '2', '3']);
  });
});

describe('rewards and referrals', () => {
  it('offer what the balance covers and count what is missing', () => {
    expect(rewardAction({ pointsCost: 250 }, { available: 250, pending: 0 }, 'en')).toEqual({ text: 'Redeem for 250 points', enabled: true });
    expect(rewardAction({ pointsCost: 650 }, { available: 250, pending: 0 }, 'en')).toEqual({ text: '400 points to go', enabled: false });
  });
  it('word referral states for the referrer', () => {
    expect(referralStatusText('PENDING').text).toMatch(/first order/);
    expect(referralStatusText('COMPLETE').tone).toBe('good');
    expect(referralStatusText('HELD').text).toMatch(/checked/);
  });
  it('word refusals', () => {
    const err = (code: string, message: string) => new CombinedError({ graphQLErrors: [{ message, extensions: { code } }] });
    expect(describeRewardsError(err('INSUFFICIENT_POINTS', 'not enough points available'))).toMatch(/enough points/);
    expect(describeRewardsError(err('CONFLICT', 'free shipping can no longer be redeemed'))).toBe('Free shipping can no longer be redeemed.');
  });
});

describe('live updates', () => {
  it('take the event’s standing and ask for the ledger when the balance moved', () => {
    const { loyalty, refetch } = applyUpdate(silver, { ...silver, cursor: 'c1', balance: { available: 250, pending: 46 } });
    expect(loyalty.balance).toEqual({ available: 250, pending: 46 });
    expect(loyalty).not.toHaveProperty('cursor');
    expect(refetch).toBe(true);
  });
  it('take a new tier without a ledger read when only the tier changed', () => {
    const gold = { name: 'Gold', earnMultiplier: 1.5, benefits: ['Free express shipping'] };
    const { loyalty, refetch } = applyUpdate(silver, { ...silver, cursor: 'c2', tier: gold, nextTier: null, keepTier: null });
    expect(loyalty.tier).toEqual(gold);
    expect(loyalty.nextTier).toBeNull();
    expect(refetch).toBe(false);
  });
});

describe('the admin adjustment form', () => {
  it('wants a non-zero whole number and a reason', () => {
    expect(adjustmentProblem('100', 'Goodwill')).toBeNull();
    expect(adjustmentProblem('-50', 'Correction')).toBeNull();
    expect(adjustmentProblem('0', 'x')).toMatch(/not 0/);
    expect(adjustmentProblem('1.5', 'x')).toMatch(/whole number/);
    expect(adjustmentProblem('100', '  ')).toMatch(/Say why/);
  });
});
