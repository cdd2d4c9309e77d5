import { useState } from 'preact/hooks';
import {
  adjustPointsOp,
  adminCustomersOp,
  adminLedgerOp,
  type AdjustPointsData,
  type AdminCustomer,
  type AdminCustomersData,
  type AdminLedgerData,
} from '../api/rewardOperations';
import { ErrorNotice, Spinner, StatusPill } from '../components/common';
import { formatDateTime } from '../format';
import { adjustmentProblem, describeRewardsError, entryStatusText, entryTitle, pointsText, signedPointsText } from '../rewards';
import { mutate, query } from './api';
import { useLoad } from './useLoad';
import '../components/rewards/rewards.css';

const customerName = (c: AdminCustomer) => [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email;

/**
 * LoyaltyLedger is staff's view of one customer's points: pick the
 * customer, read the balance, tier and ledger (who adjusted what, and
 * why), and post an adjustment of either sign with a reason, which the
 * SPA asks for before the server does.
 */
export function LoyaltyLedger() {
  const [customers] = useLoad(() => query<AdminCustomersData, Record<string, never>>(adminCustomersOp, {}));
  const [picked, setPicked] = useState<string | null>(null);
  if (customers.status === 'loading') {
    return <Spinner label="Loading customers…" />;
  }
  if (customers.status === 'failed') {
    return <ErrorNotice message={customers.error} />;
  }
  const list = customers.data.customers.edges.map((e) => e.node);
  return (
    <section data-testid="loyalty-ledger">
      <h1 class="title">Loyalty</h1>
      <label>
        Customer{' '}
        <select data-testid="loyalty-customer" value={picked ?? ''} onChange={(e) => setPicked((e.target as HTMLSelectElement).value || null)}>
          <option value="">Choose a customer…</option>
          {list.map((c) => (
            <option key={c.id} value={c.id}>
              {customerName(c)} ({c.email})
            </option>
          ))}
        </select>
      </label>
      {picked && <CustomerLedger key={picked} id={picked} />}
    </section>
  );
}

function CustomerLedger({ id }: { id: string }) {
  const [state, reload] = useLoad(() => query<AdminLedgerData, { id: string; after: null }>(adminLedgerOp, { id, after: null }));
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (state.status === 'loading') {
    return <Spinner label="Loading the ledger…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  const c = state.data.node;
  if (!c) {
    return <ErrorNotice message="This customer no longer exists." />;
  }
  const l = c.loyalty;
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    const p = adjustmentProblem(points, reason);
    setProblem(p);
    if (p) {
      return;
    }
    setBusy(true);
    try {
      const d = await mutate<AdjustPointsData, { input: { customerId: string; points: number; reason: string } }>(adjustPointsOp, {
        input: { customerId: c.id, points: Number(points.trim()), reason: reason.trim() },
      });
      setDone(`Posted ${signedPointsText(d.adjustPoints.entry.points)} for ${customerName(c)}.`);
      setPoints('');
      setReason('');
      reload();
    } catch (err) {
      setProblem(describeRewardsError(err));
    } finally {
      setBusy(false);
    }
  };
  const entries = l.ledger.edges.map((e) => e.node);
  return (
    <div class="card" data-testid="customer-ledger">
      <p>
        <strong data-testid="admin-balance">{pointsText(l.balance.available)}</strong> available, {pointsText(l.balance.pending)} pending ·{' '}
        {l.tier ? l.tier.name : 'no tier'}
      </p>
      <form class="adjust" onSubmit={(e) => void submit(e)} data-testid="adjust-form">
        <label>
          Points (+/−){' '}
          <input type="text" inputMode="numeric" value={points} onInput={(e) => setPoints((e.target as HTMLInputElement).value)} data-testid="adjust-points" />
        </label>{' '}
        <label>
          Reason{' '}
          <input type="text" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} data-testid="adjust-reason" />
        </label>{' '}
        <button type="submit" class="button" disabled={busy} data-testid="adjust-submit">
          {busy ? 'Posting…' : 'Adjust'}
        </button>
        {problem && (
          <p class="field-error" role="alert" data-testid="adjust-problem">
            {problem}
          </p>
        )}
        {done && (
          <p role="status" data-testid="adjust-done">
            {done}
          </p>
        )}
      </form>
      {entries.length === 0 ? (
        <p class="empty">No points yet.</p>
      ) : (
        <table class="ledger-table" data-testid="admin-ledger">
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Points</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => {
              const st = entryStatusText(e);
              return (
                <tr key={e.id} data-kind={e.kind}>
                  <td>{formatDateTime(e.createdAt)}</td>
                  <td>{entryTitle(e)}</td>
                  <td>{signedPointsText(e.points)}</td>
                  <td>{st ? <StatusPill label={st} /> : e.status.toLowerCase()}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {l.ledger.pageInfo.hasNextPage && <p class="muted">Showing the latest {entries.length} lines.</p>}
    </div>
  );
}
