import { useState } from 'preact/hooks';
import { operation as op } from '../api/documents';
import { ErrorNotice, Spinner } from '../components/common';
import engagementDocument from '../graphql/AdminEngagement.graphql?raw';
import { query } from './api';
import { rate, rowName, sinceValue, type EngagementRow } from './EngagementRates';
import { useLoad } from './useLoad';

const engagementOp = op(engagementDocument, 'AdminEngagement');

interface EngagementData {
  engagement: EngagementRow[];
}

/** The periods staff can look at, in days (null: all time). */
const periods: { days: number | null; label: string }[] = [
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: null, label: 'All time' },
];

/**
 * Engagement is staff's table of how messages do, per journey and
 * campaign: sent, delivered, opened, clicked and converted (an order
 * within the conversion window after a click), with each rate of the
 * delivered messages.
 */
export function Engagement() {
  const [days, setDays] = useState<number | null>(30);
  return (
    <section data-testid="engagement">
      <h1 class="title">Engagement</h1>
      <label>
        Period{' '}
        <select
          data-testid="engagement-period"
          value={days === null ? '' : String(days)}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            setDays(v === '' ? null : Number(v));
          }}
        >
          {periods.map((p) => (
            <option key={p.label} value={p.days === null ? '' : String(p.days)}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <EngagementTable key={String(days)} days={days} />
    </section>
  );
}

function EngagementTable({ days }: { days: number | null }) {
  const [state, reload] = useLoad(() =>
    query<EngagementData, { since: string | null }>(engagementOp, { since: sinceValue(days, new Date()) }),
  );
  if (state.status === 'loading') {
    return <Spinner label="Counting…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  const rows = state.data.engagement;
  if (rows.length === 0) {
    return <p class="empty">No messages in this period.</p>;
  }
  return (
    <table class="engagement" data-testid="engagement-table">
      <thead>
        <tr>
          <th>Journey or campaign</th>
          <th>Sent</th>
          <th>Delivered</th>
          <th>Opened</th>
          <th>Clicked</th>
          <th>Converted</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.journey ?? ''}:${r.campaignId ?? ''}`}>
            <th scope="row">{rowName(r)}</th>
            <td>{r.sent}</td>
            <td>{r.delivered}</td>
            <td>
              {r.opened} <small>{rate(r.opened, r.delivered)}</small>
            </td>
            <td>
              {r.clicked} <small>{rate(r.clicked, r.delivered)}</small>
            </td>
            <td>
              {r.converted} <small>{rate(r.converted, r.delivered)}</small>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
