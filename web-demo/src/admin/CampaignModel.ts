// The admin campaign screen's operations, types and rules (Campaigns.tsx
// shows them), kept apart from the screen so they are tested without a
// browser. The documents are in ../graphql/AdminCampaigns.graphql,
// validated against the schema by graph/operations_test.go.
import { describeError, errorExtensions } from '../api/errors';
import { operation as op } from '../api/documents';
import type { Time } from '../api/operations';
import campaignsDocument from '../graphql/AdminCampaigns.graphql?raw';
import type { MessagePreview } from './OutboxModel';

export const campaignsOp = op(campaignsDocument, 'AdminCampaigns');
export const campaignOp = op(campaignsDocument, 'AdminCampaign');
export const campaignPreviewOp = op(campaignsDocument, 'AdminCampaignPreview');
export const campaignAudienceOp = op(campaignsDocument, 'AdminCampaignAudience');
export const createCampaignOp = op(campaignsDocument, 'AdminCreateCampaign');
export const scheduleCampaignOp = op(campaignsDocument, 'AdminScheduleCampaign');
export const cancelCampaignOp = op(campaignsDocument, 'AdminCancelCampaign');

/** The campaign statuses (the schema's CampaignStatus). */
export type CampaignStatus = 'DRAFT' | 'SCHEDULED' | 'SENDING' | 'SENT' | 'CANCELED';

/** Segment is who a campaign reaches (CampaignSegment / CampaignSegmentInput). */
export interface Segment {
  lastOrderOlderThanDays?: number | null;
  tier?: string | null;
  category?: string | null;
}

/** Campaign is the CampaignRow fragment. */
export interface Campaign {
  id: string;
  name: string;
  status: CampaignStatus;
  subject: string;
  html: string | null;
  text: string;
  scheduledAt: Time | null;
  startedAt: Time | null;
  finishedAt: Time | null;
  canceledAt: Time | null;
  queued: number;
  createdAt: Time;
  createdBy: string | null;
  segment: Segment;
}

export interface AudienceCustomer {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface Audience {
  count: number;
  customers: AudienceCustomer[];
}

export interface CampaignsData {
  campaigns: {
    totalCount: number;
    edges: ({ node: Campaign | null } | null)[] | null;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

export interface CampaignData {
  node: (Campaign & { audience: Audience }) | Record<string, never> | null;
}

export interface CampaignPreviewData {
  node: { id: string; preview: MessagePreview } | Record<string, never> | null;
}

export interface CampaignAudienceData {
  campaignAudience: Audience;
}

export interface CampaignPayloadData {
  campaign: Campaign;
}

/** CampaignForm is what the create form holds (text boxes: '' = not set). */
export interface CampaignForm {
  name: string;
  subject: string;
  html: string;
  text: string;
  lastOrderDays: string;
  tier: string;
  category: string;
}

/**
 * starterTemplate is the form's starting content: the server ships no
 * CAMPAIGN template (a campaign carries its own), so the screen offers
 * one that uses every variable a campaign has.
 */
export const starterTemplate = {
  subject: 'News from {{.StoreName}}, {{.FirstName}}',
  html: '<p>Hello {{.FirstName}},</p>\n<p>We have something new for you at {{.StoreName}}.</p>',
  text: 'Hello {{.FirstName}},\n\nWe have something new for you at {{.StoreName}}.',
};

export const emptyForm: CampaignForm = { name: '', ...starterTemplate, lastOrderDays: '', tier: '', category: '' };

/** The variables a campaign's templates can use, for the form's hint. */
export const campaignVariables = ['.StoreName', '.FirstName', '.LastName', '.Email'];

/**
 * segmentInput turns the form's segment boxes into CampaignSegmentInput:
 * empty boxes are left out (no condition), the days a whole number; a
 * box the server would refuse anyway is said here first, at its field.
 */
export function segmentInput(f: Pick<CampaignForm, 'lastOrderDays' | 'tier' | 'category'>): { segment: Segment } | { field: string; problem: string } {
  const segment: Segment = {};
  const days = f.lastOrderDays.trim();
  if (days) {
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1 || n > 3650) {
      return { field: 'segment.lastOrderOlderThanDays', problem: 'Days since the last order must be a whole number from 1 to 3650.' };
    }
    segment.lastOrderOlderThanDays = n;
  }
  if (f.tier.trim()) {
    segment.tier = f.tier.trim();
  }
  if (f.category.trim()) {
    segment.category = f.category.trim();
  }
  return { segment };
}

/** segmentWords says who a segment reaches, in words. */
export function segmentWords(s: Segment): string {
  const parts: string[] = [];
  if (s.lastOrderOlderThanDays) {
    parts.push(`last ordered more than ${s.lastOrderOlderThanDays} ${s.lastOrderOlderThanDays === 1 ? 'day' : 'days'} ago`);
  }
  if (s.tier) {
    parts.push(`are in the ${s.tier} tier`);
  }
  if (s.category) {
    parts.push(`bought from ${s.category}`);
  }
  return parts.length ? `Customers who ${parts.join(' and ')}` : 'Every customer';
}

/** audienceWords: 0 -> "Reaches nobody yet", 1 -> "Reaches 1 customer". */
export function audienceWords(count: number): string {
  if (count === 0) {
    return 'Reaches nobody yet';
  }
  return count === 1 ? 'Reaches 1 customer' : `Reaches ${count} customers`;
}

/** statusWords says where a campaign stands, with its times. */
export function statusWords(c: Pick<Campaign, 'status' | 'scheduledAt' | 'queued' | 'canceledAt' | 'finishedAt'>, fmt: (iso: string) => string): string {
  switch (c.status) {
    case 'DRAFT':
      return 'Draft: not scheduled';
    case 'SCHEDULED':
      return c.scheduledAt ? `Scheduled for ${fmt(c.scheduledAt)}` : 'Scheduled';
    case 'SENDING':
      return `Going out: ${c.queued} queued so far`;
    case 'SENT':
      return `Sent: ${c.queued} ${c.queued === 1 ? 'message' : 'messages'}${c.finishedAt ? ` on ${fmt(c.finishedAt)}` : ''}`;
    case 'CANCELED':
      return c.canceledAt ? `Canceled on ${fmt(c.canceledAt)}` : 'Canceled';
  }
}

/** canSchedule / canCancel: what the server allows (CONFLICT otherwise). */
export const canSchedule = (c: Pick<Campaign, 'status'>) => c.status === 'DRAFT' || c.status === 'SCHEDULED';
export const canCancel = canSchedule;

/** localInputValue is an ISO time as a datetime-local input's value, in the browser's zone. */
export function localInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** scheduleTime reads a datetime-local value (the browser's zone) as the Time to send, or null when it is no time. */
export function scheduleTime(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) {
    return null;
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Problem is an error said in words, at a field when the server named one. */
export interface Problem {
  field: string | null;
  message: string;
}

/**
 * campaignProblem says why a campaign operation was refused: the server's
 * own words at the field it named (a template that does not render, an
 * unknown tier, a time in the past), a CONFLICT as what happened (the
 * campaign went, or was canceled, meanwhile), anything else as
 * describeError says it.
 */
export function campaignProblem(err: unknown, doing: 'schedule' | 'cancel' | 'create' | 'preview'): Problem {
  const x = errorExtensions(err);
  const code = x?.extensions.code;
  if (x && code === 'INVALID_INPUT') {
    const field = typeof x.extensions.field === 'string' ? x.extensions.field : null;
    return { field, message: field ? `${fieldLabel(field)}: ${x.message}` : x.message };
  }
  if (code === 'CONFLICT') {
    return {
      field: null,
      message:
        doing === 'cancel'
          ? 'Too late to cancel: this campaign has already gone out (or was canceled), and its messages are on their way. Reload to see where it stands.'
          : 'This campaign can no longer be changed: it has gone out or was canceled. Reload to see where it stands.',
    };
  }
  if (code === 'NOT_FOUND' && doing === 'preview') {
    return { field: null, message: 'Nobody to preview it for: the segment reaches no customer yet.' };
  }
  return { field: null, message: describeError(err) };
}

/** fieldLabel names a field the server refused in the form's words. */
export function fieldLabel(field: string): string {
  const labels: Record<string, string> = {
    name: 'Name',
    subject: 'Subject',
    html: 'HTML part',
    text: 'Plain-text part',
    at: 'Send at',
    'segment.lastOrderOlderThanDays': 'Last order older than',
    'segment.tier': 'Loyalty tier',
    'segment.category': 'Category',
  };
  return labels[field] ?? field;
}

/** outboxLink is the outbox, filtered to the messages a campaign queued. */
export const outboxLink = (id: string) => `#/outbox?campaign=${encodeURIComponent(id)}`;
