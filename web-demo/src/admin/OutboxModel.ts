// The admin outbox's operations, types and rules (Outbox.tsx and
// OutboxTemplates.tsx show them). The documents are in
// ../graphql/AdminOutbox.graphql, validated against the schema by
// graph/operations_test.go.
import { operation as op } from '../api/documents';
import type { Time } from '../api/operations';
import outboxDocument from '../graphql/AdminOutbox.graphql?raw';

export const outboxMessagesOp = op(outboxDocument, 'AdminOutboxMessages');
export const outboxMessageOp = op(outboxDocument, 'AdminOutboxMessage');
export const retryMessageOp = op(outboxDocument, 'AdminRetryMessage');
export const messageTemplateOp = op(outboxDocument, 'AdminMessageTemplate');
export const saveMessageTemplateOp = op(outboxDocument, 'AdminSaveMessageTemplate');
export const previewMessageTemplateOp = op(outboxDocument, 'AdminPreviewMessageTemplate');
export const previewOrdersOp = op(outboxDocument, 'AdminPreviewOrders');
export const outboxJourneysOp = op(outboxDocument, 'AdminOutboxJourneys');

/** The message kinds (the schema's MessageKind), in the journey's order. */
export const messageKinds = [
  'ORDER_CONFIRMATION',
  'SHIPPED',
  'OUT_FOR_DELIVERY',
  'DELIVERED',
  'DELAY_NOTICE',
  'REVIEW_REQUEST',
  'REVIEW_REMINDER',
  'REPLENISHMENT',
  'REFERRAL_THANKS',
  'LOYALTY',
  'WIN_BACK',
  'CONTENT',
  'CAMPAIGN',
] as const;
export type MessageKind = (typeof messageKinds)[number];

/** The message statuses (the schema's MessageStatus). */
export const messageStatuses = ['QUEUED', 'SENT', 'SKIPPED', 'FAILED', 'DEAD'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

export type MessageChannel = 'EMAIL' | 'IN_APP' | 'WEBHOOK';

/** OutboxMessage is the OutboxMessage fragment. */
export interface OutboxMessage {
  id: string;
  kind: MessageKind;
  channel: MessageChannel;
  status: MessageStatus;
  recipient: string;
  subject: string | null;
  createdAt: Time;
  sentAt: Time | null;
  lastError: string | null;
  skipReason: string | null;
  attempts: number;
  transactional: boolean;
  customer: { id: string; email: string } | null;
  order: { number: string } | null;
}

export interface MessagePreview {
  subject: string;
  html: string;
  text: string;
}

export interface OutboxMessagesData {
  messages: {
    totalCount: number;
    edges: { node: OutboxMessage }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

export interface OutboxMessageData {
  node: (OutboxMessage & { preview: MessagePreview }) | Record<string, never> | null;
}

export interface RetryMessageData {
  retryMessage: { message: OutboxMessage };
}

/** TemplateSource is a messageTemplate answer. */
export interface TemplateSource {
  kind: MessageKind;
  channel: MessageChannel;
  subject: string;
  html: string;
  text: string;
  isDefault: boolean;
}

export interface MessageTemplateData {
  messageTemplate: TemplateSource;
}

export interface SaveMessageTemplateData {
  saveMessageTemplate: { template: TemplateSource };
}

export interface PreviewMessageTemplateData {
  previewMessageTemplate: MessagePreview;
}

/** PreviewOrder is an order a template preview can be rendered for. */
export interface PreviewOrder {
  id: string;
  number: string;
  placedAt: Time;
  customer: { email: string };
}

export interface PreviewOrdersData {
  orders: { edges: ({ node: PreviewOrder | null } | null)[] | null };
}

/** previewOrderList is the orders answer without holes. */
export const previewOrderList = (d: PreviewOrdersData): PreviewOrder[] => (d.orders.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));

/** OutboxFilter is what the outbox's filter form holds ('' = any). */
export interface OutboxFilter {
  status: MessageStatus | '';
  kind: MessageKind | '';
  email: string;
  /** The journey's name (e.g. order_confirmation). */
  journey: string;
  /** The campaign's id (set from #/outbox?campaign=<id>, the campaign screen's link). */
  campaign: string;
}

export const noFilter: OutboxFilter = { status: '', kind: '', email: '', journey: '', campaign: '' };

/** MessageWhere is the part of MessageWhereInput the screen sets. */
export interface MessageWhere {
  status?: MessageStatus;
  kind?: MessageKind;
  customerEmail?: string;
  journey?: string;
  campaignId?: string;
}

/** OutboxJourneysData is AdminOutboxJourneys' answer: the journeys the journey filter suggests (any other name can be typed). */
export interface OutboxJourneysData {
  journeys: { name: string; description: string }[];
}

/** outboxFilterFromHash reads the filter a link put in the hash (#/outbox?campaign=12&journey=review_request). */
export function outboxFilterFromHash(hash: string): OutboxFilter {
  const q = hash.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  return { ...noFilter, campaign: params.get('campaign')?.trim() ?? '', journey: params.get('journey')?.trim() ?? '' };
}

/** outboxWhere turns the form into the messages query's where (null: everything). */
export function outboxWhere(f: OutboxFilter): MessageWhere | null {
  const w: MessageWhere = {};
  if (f.status) {
    w.status = f.status;
  }
  if (f.kind) {
    w.kind = f.kind;
  }
  const email = f.email.trim();
  if (email) {
    w.customerEmail = email;
  }
  const journey = f.journey.trim();
  if (journey) {
    w.journey = journey;
  }
  const campaign = f.campaign.trim();
  if (campaign) {
    w.campaignId = campaign;
  }
  return Object.keys(w).length ? w : null;
}

/** kindLabel: ORDER_CONFIRMATION -> "Order confirmation". */
export function kindLabel(kind: string): string {
  const words = kind.toLowerCase().split('_').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** canRetry: only a DEAD message can be retried (the server says CONFLICT otherwise). */
export const canRetry = (m: Pick<OutboxMessage, 'status'>) => m.status === 'DEAD';

/** statusNote says, in words, where a message stands. */
export function statusNote(m: Pick<OutboxMessage, 'status' | 'attempts' | 'skipReason' | 'lastError'>): string {
  switch (m.status) {
    case 'QUEUED':
      return m.attempts ? `queued again after ${m.attempts} attempts` : 'waiting for its first attempt';
    case 'SENT':
      return m.attempts > 1 ? `sent on attempt ${m.attempts}` : 'sent';
    case 'SKIPPED':
      return `skipped: ${m.skipReason ?? 'no reason recorded'}`;
    case 'FAILED':
      return `attempt ${m.attempts} failed, retrying: ${m.lastError ?? 'no error recorded'}`;
    case 'DEAD':
      return `gave up after ${m.attempts} attempts: ${m.lastError ?? 'no error recorded'}`;
  }
}

/**
 * previewDocument is what the preview iframe shows (its srcdoc): the
 * message's HTML with a policy that forbids scripts even if the sandbox
 * attribute were dropped, and links that open outside the preview.
 */
export function previewDocument(html: string): string {
  const head = `<meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'"><base target="_blank">`;
  if (/<head[^>]*>/i.test(html)) {
    return html.replace(/<head[^>]*>/i, (h) => h + head);
  }
  return `<!doctype html><html><head>${head}</head><body>${html}</body></html>`;
}

/** templateProblem is the sentence for a refused template: the server's words, naming the part. */
export function templateProblem(message: string, field: unknown): string {
  return typeof field === 'string' && field ? `The ${field} part: ${message}` : message;
}
