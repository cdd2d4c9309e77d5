// The GraphQL operations the app runs, and the shapes of their results.
// The documents live in ../graphql/*.graphql (validated against the
// server's schema by a Go test); these types mirror their selections.
import ordersDocument from '../graphql/Orders.graphql?raw';
import orderStatusDocument from '../graphql/OrderStatus.graphql?raw';
import orderUpdatesDocument from '../graphql/OrderUpdates.graphql?raw';

export { ordersDocument, orderStatusDocument, orderUpdatesDocument };

export type OrderStatus =
  | 'UNFULFILLED'
  | 'PARTIALLY_SHIPPED'
  | 'SHIPPED'
  | 'PARTIALLY_DELIVERED'
  | 'DELIVERED'
  | 'CANCELED';

export type TrackingStatus =
  | 'PENDING'
  | 'INFO_RECEIVED'
  | 'IN_TRANSIT'
  | 'OUT_FOR_DELIVERY'
  | 'ATTEMPT_FAIL'
  | 'AVAILABLE_FOR_PICKUP'
  | 'DELIVERED'
  | 'EXCEPTION'
  | 'EXPIRED';

/** An RFC 3339 instant, as the server's Time scalar sends it. */
export type Time = string;

export interface Money {
  amount: string;
  currencyCode: string;
}

export interface Product {
  id: string;
  name: string;
  imageUrl: string | null;
}

// --- Orders.graphql

export interface OrderSummary {
  id: string;
  number: string;
  status: OrderStatus;
  placedAt: Time;
  total: Money;
  items: { id: string; quantity: number; product: Product }[] | null;
  shipments:
    | {
        id: string;
        status: TrackingStatus;
        subStatus: string | null;
        latestEstimatedDeliveryAt: Time | null;
        deliveredAt: Time | null;
      }[]
    | null;
}

export interface OrdersData {
  viewer: { id: string; firstName: string } | null;
  orders: { totalCount: number; edges: ({ node: OrderSummary | null } | null)[] | null };
}

export type OrdersVariables = Record<string, never>;

// --- OrderStatus.graphql

export interface TrackingEvent {
  id: string;
  status: TrackingStatus;
  subStatus: string | null;
  message: string;
  location: string | null;
  occurredAt: Time;
}

/** The shipment fields both OrderStatus and OrderUpdates select. */
export interface ShipmentState {
  id: string;
  updatedAt: Time;
  status: TrackingStatus;
  subStatus: string | null;
  firstEstimatedDeliveryAt: Time | null;
  latestEstimatedDeliveryAt: Time | null;
  deliveredAt: Time | null;
}

export interface Shipment extends ShipmentState {
  carrier: string;
  trackingNumber: string;
  trackingUrl: string | null;
  items: { id: string; quantity: number; orderItem: { id: string } }[] | null;
  /** Newest first. */
  events: TrackingEvent[];
  /** More events exist than the page fetched. */
  olderEvents: boolean;
}

export interface OrderItem {
  id: string;
  quantity: number;
  unitPrice: Money;
  product: Product;
}

export interface Order {
  id: string;
  number: string;
  status: OrderStatus;
  placedAt: Time;
  canceledAt: Time | null;
  deliveredAt: Time | null;
  returnPolicy: string;
  returnWindowDays: number;
  returnWindowEndsAt: Time | null;
  subtotal: Money;
  shippingCost: Money;
  tax: Money;
  discount: Money;
  total: Money;
  shippingAddress: {
    name: string;
    line1: string;
    line2: string | null;
    postalCode: string | null;
    city: string;
    countryCode: string;
  };
  paymentMethod: { summary: string } | null;
  items: OrderItem[];
  shipments: Shipment[];
}

/** Order as the server sends it: events are a connection. */
export type OrderStatusOrder = Omit<Order, 'items' | 'shipments'> & {
  items: OrderItem[] | null;
  shipments:
    | (Omit<Shipment, 'events' | 'olderEvents'> & {
        events: {
          edges: ({ node: TrackingEvent | null } | null)[] | null;
          pageInfo: { hasNextPage: boolean };
        };
      })[]
    | null;
};

export interface OrderStatusData {
  order: OrderStatusOrder | null;
}

export interface OrderStatusVariables {
  number: string;
}

/** fromOrderStatus flattens the query's connections into the page's model. */
export function fromOrderStatus(o: OrderStatusOrder): Order {
  return {
    ...o,
    items: o.items ?? [],
    shipments: (o.shipments ?? []).map(({ events, ...s }) => ({
      ...s,
      events: (events.edges ?? []).flatMap((e) => (e?.node ? [e.node] : [])),
      olderEvents: events.pageInfo.hasNextPage,
    })),
  };
}

// --- OrderUpdates.graphql

export interface ShipmentUpdate {
  cursor: string;
  shipment: ShipmentState;
  event: TrackingEvent | null;
}

export interface OrderUpdatesData {
  shipmentUpdated: ShipmentUpdate;
}

export interface OrderUpdatesVariables {
  orderId: string;
  after: string | null;
}
