// The admin SPA's own operations beyond those the community page shares
// (../api/communityOperations.ts): the live queue and silence. The
// documents are in ../graphql/Admin.graphql, validated against the schema
// by graph/operations_test.go.
import { operation as op } from '../api/documents';
import type { ModeratedItem, PageInfo } from '../api/communityOperations';
import type { Time } from '../api/operations';
import adminDocument from '../graphql/Admin.graphql?raw';

export const queueChangesOp = op(adminDocument, 'AdminQueueChanges');
export const adminCustomerOp = op(adminDocument, 'AdminCustomer');
export const silencedCustomersOp = op(adminDocument, 'SilencedCustomers');
export const silenceAuthorOp = op(adminDocument, 'SilenceAuthor');
export const unsilenceAuthorOp = op(adminDocument, 'UnsilenceAuthor');

/** QueueUpdate is one moderationQueueChanged event. */
export interface QueueUpdate {
  cursor: string;
  kind: 'ENTERED' | 'LEFT';
  itemId: string;
  /** The item as it is now; null once its author deleted it. */
  item: ModeratedItem | null;
}

export interface QueueChangesData {
  moderationQueueChanged: QueueUpdate;
}

/** SilenceCustomer is the SilenceCustomer fragment. */
export interface SilenceCustomer {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  silencedUntil: Time | null;
  silenceReason: string | null;
}

export interface AdminCustomerData {
  node: SilenceCustomer | Record<string, never> | null;
}

export interface SilencedCustomersData {
  silencedCustomers: { edges: ({ node: SilenceCustomer | null } | null)[] | null; pageInfo: PageInfo };
}

export interface SilenceAuthorInput {
  customerId: string;
  until: Time;
  reason: string;
}

export interface SilenceAuthorData {
  silenceAuthor: { customer: SilenceCustomer };
}

export interface UnsilenceAuthorData {
  unsilenceAuthor: { customer: SilenceCustomer };
}
