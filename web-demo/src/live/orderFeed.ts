// OrderFeed follows one order's shipmentUpdated stream on a StreamFeed:
// reconnecting, resuming from the last cursor, renewing the session.
import {
  orderUpdatesDocument,
  type OrderUpdatesData,
  type OrderUpdatesVariables,
  type ShipmentUpdate,
} from '../api/operations';
import { StreamFeed, type StreamFeedOptions } from './streamFeed';

export type { FeedState, LiveStatus } from './streamFeed';

export type OrderFeedOptions = Omit<
  StreamFeedOptions<OrderUpdatesData, ShipmentUpdate>,
  'document' | 'variables' | 'pick'
> & { orderId: string };

export class OrderFeed extends StreamFeed<OrderUpdatesData, ShipmentUpdate> {
  constructor({ orderId, ...o }: OrderFeedOptions) {
    super({
      ...o,
      document: orderUpdatesDocument,
      variables: (after): OrderUpdatesVariables & Record<string, unknown> => ({ orderId, after }),
      pick: (d) => d.shipmentUpdated,
    });
  }
}
