import { describe, expect, it } from 'vitest';
import type { Order, Shipment, ShipmentUpdate, TrackingEvent } from '../api/operations';
import { applyUpdate, insertEvent, mergeOrder } from './timeline';

const ev = (id: string, at: string): TrackingEvent => ({
  id,
  status: 'IN_TRANSIT',
  subStatus: null,
  message: `event ${id}`,
  location: null,
  occurredAt: at,
});

const shipment = (events: TrackingEvent[], over: Partial<Shipment> = {}): Shipment => ({
  id: 's1',
  updatedAt: '2026-11-20T10:00:00Z',
  status: 'IN_TRANSIT',
  subStatus: null,
  firstEstimatedDeliveryAt: '2026-11-23T18:00:00Z',
  latestEstimatedDeliveryAt: '2026-11-23T18:00:00Z',
  deliveredAt: null,
  carrier: 'DHL',
  trackingNumber: '1',
  trackingUrl: null,
  items: [],
  events,
  olderEvents: false,
  ...over,
});

const order = (shipments: Shipment[]): Order =>
  ({ id: 'o1', number: 'AC-1', status: 'SHIPPED', items: [], shipments }) as unknown as Order;

const update = (cursor: string, e: TrackingEvent | null, over: Partial<ShipmentUpdate['shipment']> = {}): ShipmentUpdate => ({
  cursor,
  shipment: {
    id: 's1',
    updatedAt: '2026-11-21T10:00:00Z',
    status: 'IN_TRANSIT',
    subStatus: null,
    firstEstimatedDeliveryAt: '2026-11-23T18:00:00Z',
    latestEstimatedDeliveryAt: '2026-11-24T18:00:00Z',
    deliveredAt: null,
    ...over,
  },
  event: e,
});

const ids = (o: Order) => o.shipments[0].events.map((e) => e.id);

describe('insertEvent', () => {
  const base = [ev('b', '2026-11-20T12:00:00Z'), ev('a', '2026-11-20T08:00:00Z')];

  it('puts a newer event on top', () => {
    expect(insertEvent(base, ev('c', '2026-11-20T13:00:00Z')).map((e) => e.id)).toEqual(['c', 'b', 'a']);
  });

  it('puts a late old event where it belongs', () => {
    expect(insertEvent(base, ev('x', '2026-11-20T10:00:00Z')).map((e) => e.id)).toEqual(['b', 'x', 'a']);
    expect(insertEvent(base, ev('y', '2026-11-19T10:00:00Z')).map((e) => e.id)).toEqual(['b', 'a', 'y']);
  });

  it('puts an event at the same instant above the older arrival', () => {
    expect(insertEvent(base, ev('t', '2026-11-20T12:00:00Z')).map((e) => e.id)).toEqual(['t', 'b', 'a']);
  });

  it('ignores an event it already has', () => {
    expect(insertEvent(base, ev('b', '2026-11-20T12:00:00Z'))).toBe(base);
  });
});

describe('applyUpdate', () => {
  it('prepends the event and takes the newer ETA', () => {
    const o = order([shipment([ev('a', '2026-11-20T08:00:00Z')])]);
    const r = applyUpdate(o, update('c1', ev('b', '2026-11-21T09:00:00Z')));
    expect(ids(r.order)).toEqual(['b', 'a']);
    expect(r.order.shipments[0].latestEstimatedDeliveryAt).toBe('2026-11-24T18:00:00Z');
    expect(r.statusChanged).toBe(false);
    expect(r.unknownShipment).toBe(false);
  });

  it('keeps newer shipment state over an older update', () => {
    const o = order([shipment([], { updatedAt: '2026-11-22T00:00:00Z', status: 'DELIVERED' })]);
    const r = applyUpdate(o, update('c1', ev('b', '2026-11-21T09:00:00Z')));
    expect(r.order.shipments[0].status).toBe('DELIVERED');
    expect(ids(r.order)).toEqual(['b']);
  });

  it('reports a status change and an unknown shipment', () => {
    const o = order([shipment([])]);
    expect(applyUpdate(o, update('c1', null, { status: 'DELIVERED' })).statusChanged).toBe(true);
    const other = applyUpdate(o, update('c2', null, { id: 's2' }));
    expect(other.unknownShipment).toBe(true);
    expect(other.order).toBe(o);
  });

  it('changes nothing for an update it already has', () => {
    const o = applyUpdate(order([shipment([])]), update('c1', ev('b', '2026-11-21T09:00:00Z'))).order;
    expect(applyUpdate(o, update('c1', ev('b', '2026-11-21T09:00:00Z'))).order).toBe(o);
  });
});

describe('mergeOrder', () => {
  it('keeps events that arrived live during a refetch, and the newer state', () => {
    const current = order([
      shipment([ev('live', '2026-11-21T09:00:00Z'), ev('a', '2026-11-20T08:00:00Z')], {
        updatedAt: '2026-11-21T09:00:01Z',
        status: 'OUT_FOR_DELIVERY',
      }),
    ]);
    const fresh = order([shipment([ev('gap', '2026-11-20T20:00:00Z'), ev('a', '2026-11-20T08:00:00Z')])]);
    const merged = mergeOrder(current, fresh);
    expect(ids(merged)).toEqual(['live', 'gap', 'a']);
    expect(merged.shipments[0].status).toBe('OUT_FOR_DELIVERY');
  });
});
