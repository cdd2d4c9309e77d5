// Pure functions that fold live updates and refetches into the order the
// page shows. Nothing here talks to the network, so it is unit-tested.
import type { Order, Shipment, ShipmentState, ShipmentUpdate, TrackingEvent } from '../api/operations';

/** What applying one update did. */
export interface Applied {
  order: Order;
  /** The update named a shipment the page does not have (a new parcel): refetch the order. */
  unknownShipment: boolean;
  /** A shipment's status changed: the order's own status and return window may have too. */
  statusChanged: boolean;
}

/**
 * applyUpdate puts a shipmentUpdated message into order: the event into its
 * shipment's timeline (once, by id), and the shipment's status and ETA when
 * the update is at least as new as what the page has.
 */
export function applyUpdate(order: Order, u: ShipmentUpdate): Applied {
  const i = order.shipments.findIndex((s) => s.id === u.shipment.id);
  if (i < 0) {
    return { order, unknownShipment: true, statusChanged: false };
  }
  const before = order.shipments[i];
  let next: Shipment = newerState(before, u.shipment);
  const events = u.event ? insertEvent(next.events, u.event) : next.events;
  if (events !== next.events) {
    next = { ...next, events };
  }
  if (next === before) {
    return { order, unknownShipment: false, statusChanged: false };
  }
  const shipments = order.shipments.slice();
  shipments[i] = next;
  return { order: { ...order, shipments }, unknownShipment: false, statusChanged: next.status !== before.status };
}

/**
 * mergeOrder folds a refetched order into the one on screen: order fields
 * from the refetch, each shipment's state from whichever copy is newer, and
 * the union of both timelines (updates that arrived while the refetch was in
 * flight are kept).
 */
export function mergeOrder(current: Order, fresh: Order): Order {
  if (current.id !== fresh.id) {
    return fresh;
  }
  const byId = new Map(current.shipments.map((s) => [s.id, s]));
  return {
    ...fresh,
    shipments: fresh.shipments.map((f) => {
      const c = byId.get(f.id);
      if (!c) {
        return f;
      }
      const state = newerState(f, c);
      return { ...state, events: mergeEvents(c.events, f.events) };
    }),
  };
}

/**
 * insertEvent adds e to a newest-first timeline unless it is already there:
 * before the first event that did not happen later, so a new checkpoint goes
 * on top and a late-arriving old one lands where it belongs.
 */
export function insertEvent(events: TrackingEvent[], e: TrackingEvent): TrackingEvent[] {
  if (events.some((x) => x.id === e.id)) {
    return events;
  }
  const at = Date.parse(e.occurredAt);
  const i = events.findIndex((x) => Date.parse(x.occurredAt) <= at);
  const out = events.slice();
  out.splice(i < 0 ? out.length : i, 0, e);
  return out;
}

/** mergeEvents is the union of two newest-first timelines, by id, newest first. */
export function mergeEvents(a: TrackingEvent[], b: TrackingEvent[]): TrackingEvent[] {
  return b.reduce(insertEvent, a);
}

/** newerState returns s with the status fields of u when u is at least as recent. */
function newerState<S extends ShipmentState>(s: S, u: ShipmentState): S {
  if (Date.parse(u.updatedAt) < Date.parse(s.updatedAt)) {
    return s;
  }
  const same =
    s.status === u.status &&
    s.subStatus === u.subStatus &&
    s.firstEstimatedDeliveryAt === u.firstEstimatedDeliveryAt &&
    s.latestEstimatedDeliveryAt === u.latestEstimatedDeliveryAt &&
    s.deliveredAt === u.deliveredAt &&
    s.updatedAt === u.updatedAt;
  if (same) {
    return s;
  }
  return {
    ...s,
    updatedAt: u.updatedAt,
    status: u.status,
    subStatus: u.subStatus,
    firstEstimatedDeliveryAt: u.firstEstimatedDeliveryAt,
    latestEstimatedDeliveryAt: u.latestEstimatedDeliveryAt,
    deliveredAt: u.deliveredAt,
  };
}
