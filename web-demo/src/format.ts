// How amounts, dates and statuses read on screen. Locale-aware through Intl,
// in the shopper's own language and time zone.
import type { Money, OrderStatus, OrderSummary, TrackingStatus } from './api/operations';

/** Tone is a status's colour: good news, on its way, needs attention, neutral. */
export type Tone = 'good' | 'moving' | 'alert' | 'muted';

export interface Label {
  text: string;
  tone: Tone;
}

const orderStatus: Record<OrderStatus, Label> = {
  UNFULFILLED: { text: 'Preparing', tone: 'muted' },
  PARTIALLY_SHIPPED: { text: 'Partly shipped', tone: 'moving' },
  SHIPPED: { text: 'On its way', tone: 'moving' },
  PARTIALLY_DELIVERED: { text: 'Partly delivered', tone: 'moving' },
  DELIVERED: { text: 'Delivered', tone: 'good' },
  CANCELED: { text: 'Canceled', tone: 'muted' },
};

const trackingStatus: Record<TrackingStatus, Label> = {
  PENDING: { text: 'Label created', tone: 'muted' },
  INFO_RECEIVED: { text: 'Carrier has the details', tone: 'muted' },
  IN_TRANSIT: { text: 'In transit', tone: 'moving' },
  OUT_FOR_DELIVERY: { text: 'Out for delivery', tone: 'moving' },
  ATTEMPT_FAIL: { text: 'Delivery attempt failed', tone: 'alert' },
  AVAILABLE_FOR_PICKUP: { text: 'Ready for pickup', tone: 'alert' },
  DELIVERED: { text: 'Delivered', tone: 'good' },
  EXCEPTION: { text: 'Problem with delivery', tone: 'alert' },
  EXPIRED: { text: 'No longer tracked', tone: 'muted' },
};

export function trackingLabel(s: TrackingStatus): Label {
  return trackingStatus[s] ?? { text: humanize(s), tone: 'muted' };
}

export function orderLabel(s: OrderStatus): Label {
  return orderStatus[s] ?? { text: humanize(s), tone: 'muted' };
}

/**
 * summaryLabel is the one line an order gets in the list: the order's status,
 * except that a parcel needing the shopper's attention or out for delivery
 * says so, since that is what they came to check.
 */
export function summaryLabel(o: Pick<OrderSummary, 'status' | 'shipments'>): Label {
  if (o.status === 'CANCELED' || o.status === 'DELIVERED') {
    return orderLabel(o.status);
  }
  const ships = o.shipments ?? [];
  const attention = ships.find((s) => trackingLabel(s.status).tone === 'alert');
  if (attention) {
    return { text: attention.subStatus ?? trackingLabel(attention.status).text, tone: 'alert' };
  }
  if (ships.some((s) => s.status === 'OUT_FOR_DELIVERY')) {
    return trackingLabel('OUT_FOR_DELIVERY');
  }
  return orderLabel(o.status);
}

function humanize(s: string): string {
  const t = s.toLowerCase().replaceAll('_', ' ');
  return t[0].toUpperCase() + t.slice(1);
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** formatMoney shows an exact decimal amount in its currency, e.g. "€12.30". */
export function formatMoney(m: Money, locale?: string): string {
  const key = `${locale ?? ''}|${m.currencyCode}`;
  let f = moneyFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency: m.currencyCode });
    moneyFormats.set(key, f);
  }
  // The amount is a decimal string (never a float on the wire); Intl formats
  // decimal strings exactly.
  return f.format(m.amount as `${number}`);
}

/** isZero reports whether a decimal amount string is zero ("0", "0.00"). */
export function isZero(m: Money): boolean {
  return /^-?0*(\.0*)?$/.test(m.amount);
}

const dayFormat = { weekday: 'short', day: 'numeric', month: 'short' } as const;

/** formatDay: "Mon 23 Nov" (in the shopper's locale). */
export function formatDay(iso: string, locale?: string): string {
  return new Date(iso).toLocaleDateString(locale, dayFormat);
}

/** formatDate: "23 Nov 2026". */
export function formatDate(iso: string, locale?: string): string {
  return new Date(iso).toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** formatDateTime: "Mon 23 Nov, 14:05". */
export function formatDateTime(iso: string, locale?: string): string {
  return new Date(iso).toLocaleString(locale, { ...dayFormat, hour: '2-digit', minute: '2-digit' });
}

export function sameDay(a: string, b: string): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

/** Slip describes a moved delivery estimate. */
export interface Slip {
  later: boolean;
  was: string;
  now: string;
}

/**
 * etaSlip compares the carrier's first and latest estimates: null when they
 * agree. Estimates on the same day differ by time, so those show the time.
 */
export function etaSlip(first: string | null, latest: string | null, locale?: string): Slip | null {
  if (!first || !latest || Date.parse(first) === Date.parse(latest)) {
    return null;
  }
  const fmt = sameDay(first, latest) ? formatDateTime : formatDay;
  return { later: Date.parse(latest) > Date.parse(first), was: fmt(first, locale), now: fmt(latest, locale) };
}

/** daysUntil is whole days from now to iso, rounded up (0 today, negative once past). */
export function daysUntil(iso: string, now = Date.now()): number {
  return Math.ceil((Date.parse(iso) - now) / 86_400_000);
}
