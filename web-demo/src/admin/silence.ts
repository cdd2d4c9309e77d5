// Silence in words, and the checks the admin SPA makes before asking the
// server: pure functions, tested in silence.test.ts. A silenced customer
// cannot post, comment, react or flag until the time staff set; the
// server refuses them with FORBIDDEN, saying until when and why
// (server/community, "Trust and silence").
import { errorCode, errorExtensions } from '../api/errors';
import { describeCommunityError } from '../community';
import { formatDateTime, type Label } from '../format';
import type { SilenceCustomer } from './operations';

/** The lengths of silence the form offers as one click, in days. */
export const silencePresets = [1, 7, 30] as const;

/** The longest reason the server keeps (community.MaxSilenceReason). */
export const maxSilenceReason = 1000;

/** isSilenced: the customer's silence has not ended at now. */
export function isSilenced(c: Pick<SilenceCustomer, 'silencedUntil'>, now: Date): boolean {
  return !!c.silencedUntil && new Date(c.silencedUntil).getTime() > now.getTime();
}

/** silenceLabel says where a customer stands: "Silenced until 12 Mar, 14:00: spam", "Not silenced". */
export function silenceLabel(c: Pick<SilenceCustomer, 'silencedUntil' | 'silenceReason'>, now: Date, locale?: string): Label {
  if (!c.silencedUntil) {
    return { text: 'Not silenced', tone: 'good' };
  }
  const until = formatDateTime(c.silencedUntil, locale);
  if (!isSilenced(c, now)) {
    return { text: `Not silenced (a silence ended ${until})`, tone: 'good' };
  }
  return { text: `Silenced until ${until}${c.silenceReason ? `: ${c.silenceReason}` : ''}`, tone: 'alert' };
}

/** customerName: "Jonas Weber", or the email when the store sent no name. */
export function customerName(c: Pick<SilenceCustomer, 'firstName' | 'lastName' | 'email'>): string {
  return `${c.firstName} ${c.lastName}`.trim() || c.email;
}

/**
 * localInputValue is a datetime-local input's value for at, in the
 * browser's time zone ("2026-03-12T14:00"): what the form shows.
 */
export function localInputValue(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** presetUntil is now plus days, as the form's input shows it. */
export function presetUntil(now: Date, days: number): string {
  return localInputValue(new Date(now.getTime() + days * 24 * 60 * 60 * 1000));
}

/**
 * checkSilence turns the form into silenceAuthor's until and reason, or
 * says what to fix, as the server would (a time in the future, a reason).
 */
export function checkSilence(untilInput: string, reason: string, now: Date): { until: string; reason: string } | { error: string } {
  if (!untilInput) {
    return { error: 'Pick until when the author stays silent.' };
  }
  const until = new Date(untilInput);
  if (Number.isNaN(until.getTime())) {
    return { error: 'That date is not one the form understands: pick it again.' };
  }
  if (until.getTime() <= now.getTime()) {
    return { error: 'Pick a time in the future: a silence in the past would do nothing.' };
  }
  const why = reason.trim();
  if (!why) {
    return { error: 'Say why: the author reads the reason every time they are refused.' };
  }
  if (why.length > maxSilenceReason) {
    return { error: `Shorten the reason to ${maxSilenceReason.toLocaleString('en')} characters.` };
  }
  return { until: until.toISOString(), reason: why };
}

/** describeSilenceError words what the server refused when silencing or unsilencing. */
export function describeSilenceError(err: unknown): string {
  const field = errorExtensions(err)?.extensions.field;
  switch (`${errorCode(err)} ${typeof field === 'string' ? field : ''}`) {
    case 'INVALID_INPUT input.until':
      return 'Pick a time in the future: the server says this one has passed.';
    case 'INVALID_INPUT input.reason':
      return 'Say why, in at most 1,000 characters: the author reads it.';
    case 'NOT_FOUND input.customerId':
      return 'That customer is no longer in the store.';
    default:
      return describeCommunityError(err);
  }
}
