import type { Order } from '../api/operations';
import { daysUntil, formatDate, formatMoney, isZero, orderLabel } from '../format';
import { useOrderStatus } from '../live/useOrderStatus';
import { deliveredItems } from '../reviews';
import { ordersHref, productHref } from '../router';
import { ErrorNotice, ProductImage, Spinner, StatusPill } from './common';
import { ItemReview, useOrderReviews } from './ItemReview';
import { LiveBanner } from './LiveBanner';
import { LiveNotice } from './notifications/LiveNotice';
import { ShipmentCard } from './ShipmentCard';

/** OrderDetail is one order's status page, kept live while it is open. */
export function OrderDetail({ number }: { number: string }) {
  const { order, error, loading, fresh, feed, retryLive, reload } = useOrderStatus(number);

  if (loading) {
    return <Spinner label={`Loading order ${number}…`} />;
  }
  if (!order) {
    return (
      <>
        <BackLink />
        <ErrorNotice message={error ?? 'Something went wrong.'} onRetry={reload} />
      </>
    );
  }
  const itemNames = new Map(order.items.map((i) => [i.id, i.product.name]));
  const unshipped = unshippedItems(order);
  return (
    <article data-testid="order-detail" data-number={order.number}>
      <BackLink />
      <div class="detail-head">
        <h1 class="title">Order {order.number}</h1>
        <StatusPill label={orderLabel(order.status)} testid="order-status" />
      </div>
      <p class="muted small">Placed {formatDate(order.placedAt)}</p>
      {order.status !== 'CANCELED' && order.shipments.length > 0 && <LiveBanner state={feed} onRetry={retryLive} />}
      {error && <ErrorNotice message={error} />}
      <LiveNotice />

      {order.status === 'CANCELED' && (
        <div class="notice">
          This order was canceled{order.canceledAt ? ` on ${formatDate(order.canceledAt)}` : ''}. You won't be charged
          for it.
        </div>
      )}

      {order.shipments.map((s, i) => (
        <ShipmentCard
          key={s.id}
          shipment={s}
          index={i}
          count={order.shipments.length}
          itemNames={itemNames}
          showContents={order.shipments.length > 1 || unshipped.length > 0}
          fresh={fresh}
        />
      ))}
      {order.status !== 'CANCELED' && unshipped.length > 0 && (
        <section class="card" data-testid="unshipped">
          <h2 class="subtitle">{order.shipments.length ? 'Still to ship' : "We're preparing your order"}</h2>
          <p class="muted small">
            {order.shipments.length
              ? 'These items will follow in another parcel.'
              : "You'll see tracking here as soon as it ships."}
          </p>
          <ul class="plain">
            {unshipped.map(([name, qty]) => (
              <li key={name}>
                {qty} × {name}
              </li>
            ))}
          </ul>
        </section>
      )}

      <Items order={order} />
      <Returns order={order} />
      <Delivery order={order} />
    </article>
  );
}

function BackLink() {
  return (
    <a class="back" href={ordersHref}>
      ← All orders
    </a>
  );
}

/** unshippedItems lists [name, units] of the order not in any shipment yet. */
function unshippedItems(order: Order): [string, number][] {
  const shipped = new Map<string, number>();
  for (const s of order.shipments) {
    for (const si of s.items ?? []) {
      shipped.set(si.orderItem.id, (shipped.get(si.orderItem.id) ?? 0) + si.quantity);
    }
  }
  return order.items
    .map((i): [string, number] => [i.product.name, i.quantity - (shipped.get(i.id) ?? 0)])
    .filter(([, n]) => n > 0);
}

function Items({ order }: { order: Order }) {
  const delivered = deliveredItems(order);
  const reviews = useOrderReviews(order.number, delivered.size > 0);
  const rows: [string, string][] = [['Subtotal', formatMoney(order.subtotal)]];
  rows.push(['Shipping', isZero(order.shippingCost) ? 'Free' : formatMoney(order.shippingCost)]);
  if (!isZero(order.discount)) {
    rows.push(['Discount', `−${formatMoney(order.discount)}`]);
  }
  if (!isZero(order.tax)) {
    rows.push(['Tax', formatMoney(order.tax)]);
  }
  return (
    <section class="card" data-testid="items">
      <h2 class="subtitle">Items</h2>
      <ul class="items">
        {order.items.map((i) => (
          <li key={i.id} class="item" data-testid="item">
            <ProductImage src={i.product.imageUrl} name={i.product.name} size={56} />
            <span class="item-body">
              <a class="item-name" href={productHref(i.product.id)} data-testid="product-reviews-link">
                {i.product.name}
              </a>
              <span class="muted small">
                {i.quantity} × {formatMoney(i.unitPrice)}
              </span>
              {delivered.has(i.id) && (
                <ItemReview
                  productId={i.product.id}
                  productName={i.product.name}
                  reviews={reviews.state}
                  onSaved={(r) => reviews.saved(i.product.id, r)}
                  onRetry={reviews.retry}
                />
              )}
            </span>
          </li>
        ))}
      </ul>
      <dl class="totals">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
        <div class="grand">
          <dt>Total</dt>
          <dd>{formatMoney(order.total)}</dd>
        </div>
      </dl>
    </section>
  );
}

function Returns({ order }: { order: Order }) {
  let text: string;
  if (order.status === 'CANCELED') {
    text = "Canceled orders can't be returned.";
  } else if (order.returnWindowEndsAt) {
    const left = daysUntil(order.returnWindowEndsAt);
    text =
      left < 0
        ? `The return window closed on ${formatDate(order.returnWindowEndsAt)}.`
        : `You can return items until ${formatDate(order.returnWindowEndsAt)} (${left === 0 ? 'last day today' : left === 1 ? '1 day left' : `${left} days left`}).`;
  } else {
    text = `Your ${order.returnWindowDays}-day return window starts once everything is delivered.`;
  }
  return (
    <section class="card" data-testid="returns">
      <h2 class="subtitle">Returns</h2>
      <p data-testid="return-window">{text}</p>
      <p class="muted small policy">{order.returnPolicy}</p>
    </section>
  );
}

function Delivery({ order }: { order: Order }) {
  const a = order.shippingAddress;
  return (
    <section class="card small" data-testid="delivery">
      <h2 class="subtitle">Delivery &amp; payment</h2>
      <address>
        {a.name}
        <br />
        {a.line1}
        {a.line2 && (
          <>
            , {a.line2}
          </>
        )}
        <br />
        {[a.postalCode, a.city].filter(Boolean).join(' ')}, {a.countryCode}
      </address>
      {order.paymentMethod && <p class="muted">Paid with {order.paymentMethod.summary}</p>}
    </section>
  );
}
