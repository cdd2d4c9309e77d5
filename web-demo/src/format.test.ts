import { describe, expect, it } from 'vitest';
import { daysUntil, etaSlip, formatMoney, isZero, summaryLabel } from './format';

describe('formatMoney', () => {
  it('formats exact decimal strings in their currency', () => {
    expect(formatMoney({ amount: '12.30', currencyCode: 'EUR' }, 'en-GB')).toBe('€12.30');
    expect(formatMoney({ amount: '1200', currencyCode: 'JPY' }, 'en-US')).toBe('¥1,200');
    expect(formatMoney({ amount: '9007199254740993.01', currencyCode: 'USD' }, 'en-US')).toBe('$9,007,199,254,740,993.01');
  });

  it('knows zero', () => {
    expect(isZero({ amount: '0.00', currencyCode: 'EUR' })).toBe(true);
    expect(isZero({ amount: '0.01', currencyCode: 'EUR' })).toBe(false);
  });
});

describe('etaSlip', () => {
  it('is null when the estimate held', () => {
    expect(etaSlip('2026-11-23T18:00:00Z', '2026-11-23T18:00:00.000Z')).toBeNull();
    expect(etaSlip(null, '2026-11-23T18:00:00Z')).toBeNull();
  });

  it('says was and now', () => {
    const s = etaSlip('2026-11-23T12:00:00Z', '2026-11-24T12:00:00Z', 'en-GB');
    expect(s).toEqual({ later: true, was: 'Mon 23 Nov', now: 'Tue 24 Nov' });
  });
});

describe('summaryLabel', () => {
  const ship = (status: 'IN_TRANSIT' | 'EXCEPTION' | 'OUT_FOR_DELIVERY', subStatus: string | null = null) => ({
    id: '1',
    status,
    subStatus,
    latestEstimatedDeliveryAt: null,
    deliveredAt: null,
  });

  it('surfaces a parcel that needs attention', () => {
    expect(summaryLabel({ status: 'SHIPPED', shipments: [ship('EXCEPTION', 'Customs hold')] })).toEqual({
      text: 'Customs hold',
      tone: 'alert',
    });
  });

  it('says out for delivery, else the order status', () => {
    expect(summaryLabel({ status: 'SHIPPED', shipments: [ship('OUT_FOR_DELIVERY')] }).text).toBe('Out for delivery');
    expect(summaryLabel({ status: 'SHIPPED', shipments: [ship('IN_TRANSIT')] }).text).toBe('On its way');
    expect(summaryLabel({ status: 'CANCELED', shipments: null }).tone).toBe('muted');
  });
});

describe('daysUntil', () => {
  it('rounds up to whole days', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(daysUntil('2026-11-23T11:00:00Z', now)).toBe(1);
    expect(daysUntil('2026-11-22T11:00:00Z', now)).toBe(-0);
  });
});
