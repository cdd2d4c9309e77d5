import type { Shipment } from '../api/operations';
import { etaSlip, formatDateTime, formatDay, trackingLabel } from '../format';
import { StatusPill } from './common';

interface Props {
  shipment: Shipment;
  index: number;
  count: number;
  itemNames: Map<string, string>;
  /** List what is in the parcel (when the order ships in parts). */
  showContents: boolean;
  /** Events that arrived live, highlighted. */
  fresh: ReadonlySet<string>;
}

/** ShipmentCard is one parcel: carrier, tracking, status, ETA and its timeline. */
export function ShipmentCard({ shipment: s, index, count, itemNames, showContents, fresh }: Props) {
  const label = trackingLabel(s.status);
  const contents = (s.items ?? []).map((i) => `${i.quantity} × ${itemNames.get(i.orderItem.id) ?? 'item'}`);
  return (
    <section class="card shipment" data-testid="shipment" data-tracking={s.trackingNumber} data-status={s.status}>
      <div class="shipment-head">
        <h2 class="subtitle">{count > 1 ? `Parcel ${index + 1} of ${count}` : 'Your parcel'}</h2>
        <StatusPill label={label} testid="shipment-status" />
      </div>
      {s.subStatus && (
        <p class={`substatus tone-text-${label.tone}`} data-testid="shipment-substatus">
          {s.subStatus}
        </p>
      )}
      <Eta shipment={s} />
      <p class="small carrier">
        {carrierName(s.carrier)} ·{' '}
        {s.trackingUrl ? (
          <a href={s.trackingUrl} target="_blank" rel="noopener noreferrer" data-testid="tracking-link">
            {s.trackingNumber}
          </a>
        ) : (
          <span>{s.trackingNumber}</span>
        )}
      </p>
      {showContents && contents.length > 0 && <p class="muted small">Contains {contents.join(', ')}</p>}
      <Timeline shipment={s} fresh={fresh} />
    </section>
  );
}

function Eta({ shipment: s }: { shipment: Shipment }) {
  if (s.deliveredAt) {
    return (
      <p class="eta" data-testid="eta" data-delivered={s.deliveredAt}>
        Delivered <strong>{formatDateTime(s.deliveredAt)}</strong>
      </p>
    );
  }
  if (!s.latestEstimatedDeliveryAt) {
    return (
      <p class="eta muted" data-testid="eta">
        No delivery estimate from {carrierName(s.carrier)} yet.
      </p>
    );
  }
  const slip = etaSlip(s.firstEstimatedDeliveryAt, s.latestEstimatedDeliveryAt);
  return (
    <div class="eta" data-testid="eta" data-eta={s.latestEstimatedDeliveryAt}>
      <p>
        Estimated delivery <strong>{formatDay(s.latestEstimatedDeliveryAt)}</strong>
      </p>
      {slip && (
        <p class={`slip ${slip.later ? 'slip-later' : 'slip-earlier'}`} data-testid="eta-slip">
          {slip.later ? 'Delayed' : 'Earlier than expected'}: was {slip.was}, now {slip.now}
        </p>
      )}
    </div>
  );
}

function Timeline({ shipment: s, fresh }: { shipment: Shipment; fresh: ReadonlySet<string> }) {
  if (s.events.length === 0) {
    return <p class="muted small">No tracking updates yet.</p>;
  }
  return (
    <>
      <ol class="timeline" data-testid="timeline" aria-label={`Tracking updates for ${s.trackingNumber}`}>
        {s.events.map((e, i) => (
          <li
            key={e.id}
            class={`event${i === 0 ? ' event-latest' : ''}${fresh.has(e.id) ? ' event-new' : ''}`}
            data-testid="timeline-event"
            data-event-id={e.id}
          >
            <span class="event-message" data-testid="event-message">
              {e.message}
            </span>
            <span class="muted small">
              {[e.location, formatDateTime(e.occurredAt)].filter(Boolean).join(' · ')}
            </span>
          </li>
        ))}
      </ol>
      {s.olderEvents && <p class="muted small">Older updates are on the carrier's page.</p>}
    </>
  );
}

const carriers: Record<string, string> = {
  DHL: 'DHL',
  DHL_PAKET: 'DHL Paket',
  UPS: 'UPS',
  USPS: 'USPS',
  FEDEX: 'FedEx',
  ROYAL_MAIL: 'Royal Mail',
  DPD: 'DPD',
  GLS: 'GLS',
  POSTNL: 'PostNL',
};

function carrierName(code: string): string {
  return carriers[code] ?? code.replaceAll('_', ' ');
}
