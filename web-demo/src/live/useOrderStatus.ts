// useOrderStatus loads one order and keeps it live: the first load, then the
// shipmentUpdated stream folded in as it arrives, with refetches when the
// stream says something the page cannot fold in by itself.
import { useEffect, useReducer, useState } from 'preact/hooks';
import { client, live, query, session } from '../api/client';
import { AppError, describeError } from '../api/errors';
import {
  fromOrderStatus,
  orderStatusDocument,
  type Order,
  type OrderStatusData,
  type OrderStatusVariables,
  type ShipmentUpdate,
} from '../api/operations';
import { OrderFeed, type FeedState } from './orderFeed';
import { applyUpdate, mergeOrder } from './timeline';

export interface OrderStatusState {
  order: Order | null;
  /** Why the order could not be loaded or refreshed, in words. */
  error: string | null;
  /** Ids of events that arrived live, to highlight them. */
  fresh: ReadonlySet<string>;
  /** Counts updates the page could not fold in by itself; each change asks for a refetch. */
  stale: number;
}

type Action =
  | { type: 'loaded'; order: Order }
  | { type: 'merge'; order: Order }
  | { type: 'update'; update: ShipmentUpdate }
  | { type: 'failed'; error: string }
  | { type: 'reloading' };

function reducer(s: OrderStatusState, a: Action): OrderStatusState {
  switch (a.type) {
    case 'loaded':
      return { order: a.order, error: null, fresh: new Set(), stale: 0 };
    case 'merge':
      return { ...s, order: s.order ? mergeOrder(s.order, a.order) : a.order, error: null };
    case 'update': {
      if (!s.order) {
        return s;
      }
      const r = applyUpdate(s.order, a.update);
      const fresh = a.update.event ? new Set(s.fresh).add(a.update.event.id) : s.fresh;
      // A new parcel, or a status change that may have moved the order's own
      // status and return window: the stream does not carry those.
      const stale = r.unknownShipment || r.statusChanged ? s.stale + 1 : s.stale;
      return { ...s, order: r.order, fresh, stale };
    }
    case 'failed':
      return { ...s, error: a.error };
    case 'reloading':
      return { ...s, error: null };
  }
}

async function fetchOrder(number: string): Promise<Order> {
  const data = await query<OrderStatusData, OrderStatusVariables>(orderStatusDocument, { number });
  if (!data.order) {
    throw new AppError("We couldn't find that order. Check the order number, or open it from your order list.", 'NOT_FOUND');
  }
  return fromOrderStatus(data.order);
}

const initialFeed: FeedState = { status: 'connecting', synced: false, error: null, retryAt: null };

export function useOrderStatus(number: string) {
  const [state, dispatch] = useReducer(reducer, { order: null, error: null, fresh: new Set<string>(), stale: 0 });
  const [feedState, setFeedState] = useState<FeedState>(initialFeed);
  const [feed, setFeed] = useState<OrderFeed | null>(null);
  const [attempt, setAttempt] = useState(0);
  const orderId = state.order?.number === number ? state.order.id : null;

  // The first load (and "Try again").
  useEffect(() => {
    let cancelled = false;
    fetchOrder(number).then(
      (order) => !cancelled && dispatch({ type: 'loaded', order }),
      (err: unknown) => !cancelled && dispatch({ type: 'failed', error: describeError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [number, attempt]);

  // A refetch when updates asked for one; debounced, so a burst needs one.
  useEffect(() => {
    if (state.stale === 0) {
      return;
    }
    const timer = setTimeout(() => {
      fetchOrder(number).then(
        (order) => dispatch({ type: 'merge', order }),
        (err: unknown) => dispatch({ type: 'failed', error: describeError(err) }),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [state.stale, number]);

  // The live stream, once the order's id is known.
  useEffect(() => {
    if (!orderId) {
      return;
    }
    const f = new OrderFeed({
      orderId,
      client,
      live,
      session,
      onUpdate: (update) => dispatch({ type: 'update', update }),
      onState: setFeedState,
      resync: async () => dispatch({ type: 'merge', order: await fetchOrder(number) }),
    });
    setFeed(f);
    f.start();
    return () => {
      f.stop();
      setFeed(null);
      setFeedState(initialFeed);
    };
  }, [orderId, number]);

  return {
    ...state,
    loading: !state.order && !state.error,
    feed: feedState,
    retryLive: () => feed?.retryNow(),
    reload: () => {
      dispatch({ type: 'reloading' });
      setAttempt((n) => n + 1);
    },
  };
}
