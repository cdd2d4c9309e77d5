// The "My rewards" page's and the admin SPA's loyalty operations, and the
// shapes of their results. The documents are the issue 12 contract's
// (viewer.loyalty, rewards, redeemReward, loyaltyUpdated, adjustPoints,
// held referrals), in ../graphql/.
import adminDocument from '../graphql/AdminLoyalty.graphql?raw';
import rewardsDocument from '../graphql/Rewards.graphql?raw';
import { operation as op } from './documents';
import type { Money, Time } from './operations';

export const myRewardsOp = op(rewardsDocument, 'MyRewards');
export const rewardsLedgerOp = op(rewardsDocument, 'RewardsLedger');
export const redeemRewardOp = op(rewardsDocument, 'RedeemReward');
export const loyaltyUpdatesOp = op(rewardsDocument, 'LoyaltyUpdates');

export const adminCustomersOp = op(adminDocument, 'AdminLoyaltyCustomers');
export const adminLedgerOp = op(adminDocument, 'AdminCustomerLedger');
export const adjustPointsOp = op(adminDocument, 'AdjustPoints');
export const heldReferralsOp = op(adminDocument, 'HeldReferrals');
export const releaseReferralOp = op(adminDocument, 'ReleaseReferral');
export const cancelReferralOp = op(adminDocument, 'CancelReferral');

export type EntryKind = 'ORDER' | 'REVIEW' | 'POST' | 'REFERRAL' | 'REDEEMED' | 'EXPIRED' | 'REVERSED' | 'ADJUSTED' | 'REFUNDED';
export type EntryStatus = 'PENDING' | 'AVAILABLE' | 'SPENT' | 'REVERSED';
export type ReferralStatus = 'PENDING' | 'COMPLETE' | 'HELD' | 'CANCELED';

export interface Balance {
  available: number;
  pending: number;
}

export interface LedgerEntry {
  id: string;
  kind: EntryKind;
  points: number;
  status: EntryStatus;
  availableAt: Time | null;
  reason: string | null;
  createdAt: Time;
  order: { number: string } | null;
}

export interface Loyalty {
  balance: Balance;
  tier: { name: string; earnMultiplier: number; benefits: string[] } | null;
  nextTier: { name: string; spendToReach: Money } | null;
  keepTier: { spendNeeded: Money; by: Time } | null;
  qualifyingSpend: Money;
  /** When the earliest pending points become available; null with nothing pending. */
  nextAvailableAt: Time | null;
}

export interface Page<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface Referral {
  status: ReferralStatus;
  friendDisplayName: string;
  createdAt: Time;
}

export interface Reward {
  id: string;
  name: string;
  pointsCost: number;
  value: Money;
}

export interface MyRewardsData {
  viewer: {
    loyalty: Loyalty & { ledger: Page<LedgerEntry> };
    referral: { code: string; shareUrl: string; referrals: { edges: { node: Referral }[] } } | null;
  };
  rewards: { edges: { node: Reward }[] };
}

export interface RewardsLedgerData {
  viewer: { loyalty: { ledger: Page<LedgerEntry> } };
}

export interface RewardCode {
  code: string;
  value: Money;
  expiresAt: Time;
}

export interface RedeemRewardData {
  redeemReward: { code: RewardCode; loyalty: { balance: Balance } };
}

/** LoyaltyUpdate is the standing as it is when sent (everything but the ledger). */
export interface LoyaltyUpdate extends Loyalty {
  cursor: string;
}

export interface LoyaltyUpdatesData {
  loyaltyUpdated: LoyaltyUpdate;
}

export interface AdminCustomer {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
}

export interface AdminCustomersData {
  customers: { edges: { node: AdminCustomer }[] };
}

export interface AdminLedgerData {
  node: (AdminCustomer & { loyalty: Loyalty & { ledger: Page<LedgerEntry> } }) | null;
}

export interface AdjustPointsData {
  adjustPoints: { entry: { id: string; points: number; reason: string | null } };
}

export interface HeldReferral {
  id: string;
  status: ReferralStatus;
  holdReason: string | null;
  createdAt: Time;
  referrer: AdminCustomer;
  friend: AdminCustomer;
}

export interface HeldReferralsData {
  heldReferrals: { edges: { node: HeldReferral }[] };
}
