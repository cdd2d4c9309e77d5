import { useEffect, useState } from 'preact/hooks';
import { query } from '../api/client';
import { describeError } from '../api/errors';
import { ordersDocument, type OrdersData, type OrdersVariables, type OrderSummary } from '../api/operations';
import { formatDate, formatDay, formatMoney, summaryLabel } from '../format';
import { orderHref } from '../router';
import { ErrorNotice, ProductImage, Spinner, StatusPill } from './common';

type State = { status: 'loading' } | { status: 'failed'; error: string } | { status: 'done'; data: OrdersData };

/** OrderList is the home screen: the shopper's orders, newest first. */
export function OrderList() {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    query<OrdersData, OrdersVariables>(ordersDocument, {}).then(
      (data) => !cancelled && setState({ status: 'done', data }),
      (err: unknown) => !cancelled && setState({ status: 'failed', error: describeError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  if (state.status === 'loading') {
    return <Spinner label="Loading your orders…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={() => setAttempt((n) => n + 1)} />;
  }
  const { viewer, orders } = state.data;
  const list = (orders.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
  return (
    <section data-testid="order-list">
      <h1 class="title">{viewer ? `Hi ${viewer.firstName}, your orders` : 'Orders'}</h1>
      {list.length === 0 ? (
        <div class="empty" data-testid="empty">
          <p>No orders yet.</p>
          <p class="muted">When you buy something, you can follow it here from checkout to your door.</p>
        </div>
      ) : (
        <ul class="cards">
          {list.map((o) => (
            <li key={o.id}>
              <OrderCard order={o} />
            </li>
          ))}
        </ul>
      )}
      {orders.totalCount > list.length && (
        <p class="muted small">
          Showing your {list.length} most recent of {orders.totalCount} orders.
        </p>
      )}
    </section>
  );
}

function OrderCard({ order: o }: { order: OrderSummary }) {
  const items = o.items ?? [];
  const first = items[0]?.product;
  const units = items.reduce((n, i) => n + i.quantity, 0);
  const arriving = (o.shipments ?? [])
    .filter((s) => !s.deliveredAt && s.latestEstimatedDeliveryAt)
    .map((s) => s.latestEstimatedDeliveryAt!)
    .sort()[0];
  return (
    <a class="card order-card" href={orderHref(o.number)} data-testid="order-card" data-number={o.number}>
      <ProductImage src={first?.imageUrl ?? null} name={first?.name ?? o.number} size={64} />
      <span class="order-card-body">
        <span class="order-card-head">
          <strong class="order-number">{o.number}</strong>
          <StatusPill label={summaryLabel(o)} testid="order-status" />
        </span>
        <span class="muted small">
          Placed {formatDate(o.placedAt)} · {units} {units === 1 ? 'item' : 'items'}
        </span>
        <span class="order-card-foot">
          <span class="amount">{formatMoney(o.total)}</span>
          {arriving && o.status !== 'CANCELED' && <span class="small">Arrives {formatDay(arriving)}</span>}
        </span>
      </span>
    </a>
  );
}
