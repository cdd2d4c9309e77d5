// Authors as staff see them: who they are, whether they are silenced and
// until when, the decisions on everything they wrote (the audit trail per
// author), their trust; and the screen of everyone silenced now.
import { useState } from 'preact/hooks';
import { authorTrailOp, nodes, setTrustOp, type TrailData } from '../api/communityOperations';
import { describeCommunityError } from '../community';
import { ErrorNotice, Spinner, StatusPill } from '../components/common';
import { formatDateTime } from '../format';
import { mutate, query } from './api';
import { DecisionList } from './DecisionList';
import {
  adminCustomerOp,
  silenceAuthorOp,
  silencedCustomersOp,
  unsilenceAuthorOp,
  type AdminCustomerData,
  type SilenceAuthorData,
  type SilenceAuthorInput,
  type SilenceCustomer,
  type SilencedCustomersData,
  type UnsilenceAuthorData,
} from './operations';
import { checkSilence, customerName, describeSilenceError, isSilenced, maxSilenceReason, presetUntil, silenceLabel, silencePresets } from './silence';
import { useLoad } from './useLoad';

/** The most silenced authors the silenced screen reads (ten pages of 100). */
const maxSilencedPages = 10;

/**
 * AuthorRecord is one author: name and email, their silence with the form
 * to set or lift it, their trust, and every decision on their content,
 * newest first.
 */
export function AuthorRecord({ authorId }: { authorId: string }) {
  const [customer, reloadCustomer, updateCustomer] = useLoad(async () => {
    const n = (await query<AdminCustomerData, { id: string }>(adminCustomerOp, { id: authorId })).node;
    return n && 'id' in n ? (n as SilenceCustomer) : null;
  });
  const [trail, reloadTrail] = useLoad(async () =>
    nodes((await query<TrailData, { authorId: string }>(authorTrailOp, { authorId })).moderationDecisions.edges),
  );
  const [message, setMessage] = useState<string | null>(null);
  const setTrust = async (trust: 'AUTO' | 'TRUSTED' | 'RESTRICTED') => {
    try {
      await mutate(setTrustOp, { input: { customerId: authorId, trust } });
      setMessage(
        trust === 'AUTO' ? 'The rule decides again.' : trust === 'TRUSTED' ? 'Their posts publish at once.' : 'All their posts wait for approval.',
      );
    } catch (err) {
      setMessage(describeCommunityError(err));
    }
  };
  return (
    <div class="author-record" data-testid="author-record" data-customer-id={authorId}>
      {customer.status === 'loading' && <Spinner label="Loading the author…" />}
      {customer.status === 'failed' && <ErrorNotice message={customer.error} onRetry={reloadCustomer} />}
      {customer.status === 'done' && !customer.data && <p class="muted small">This customer is no longer in the store.</p>}
      {customer.status === 'done' && customer.data && (
        <>
          <div class="admin-item-head">
            <strong data-testid="author-name">{customerName(customer.data)}</strong>
            <span class="muted small">{customer.data.email}</span>
            <StatusPill label={silenceLabel(customer.data, new Date())} testid="silence-status" />
          </div>
          <SilenceForm customer={customer.data} onChange={(c) => updateCustomer(() => c)} />
        </>
      )}
      <div class="admin-actions">
        <span class="small">Trust:</span>
        <button type="button" class="button button-secondary" onClick={() => setTrust('TRUSTED')}>
          Trusted
        </button>
        <button type="button" class="button button-secondary" onClick={() => setTrust('RESTRICTED')}>
          Restricted
        </button>
        <button type="button" class="link" onClick={() => setTrust('AUTO')}>
          Back to the rule
        </button>
      </div>
      {message && (
        <p class="small" role="status">
          {message}
        </p>
      )}
      <h3 class="small-title">Decisions on their content</h3>
      <div data-testid="author-trail">
        {trail.status === 'loading' && <Spinner label="Loading their record…" />}
        {trail.status === 'failed' && <ErrorNotice message={trail.error} onRetry={reloadTrail} />}
        {trail.status === 'done' && <DecisionList decisions={trail.data} empty="Nothing of theirs has been decided yet." withItems />}
      </div>
    </div>
  );
}

/**
 * SilenceForm silences a customer until a time (a preset or a date) with
 * a reason they read in every refusal, or lifts their silence. It checks
 * what the server would before asking it.
 */
export function SilenceForm({ customer, onChange }: { customer: SilenceCustomer; onChange: (c: SilenceCustomer) => void }) {
  const [until, setUntil] = useState(() => presetUntil(new Date(), 7));
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const silenced = isSilenced(customer, new Date());

  const run = async (f: () => Promise<SilenceCustomer>, said: (c: SilenceCustomer) => string) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const c = await f();
      onChange(c);
      setDone(said(c));
    } catch (err) {
      setError(describeSilenceError(err));
    } finally {
      setBusy(false);
    }
  };
  const silence = (e: Event) => {
    e.preventDefault();
    const checked = checkSilence(until, reason, new Date());
    if ('error' in checked) {
      setError(checked.error);
      setDone(null);
      return;
    }
    const input: SilenceAuthorInput = { customerId: customer.id, ...checked };
    void run(
      async () => (await mutate<SilenceAuthorData, { input: SilenceAuthorInput }>(silenceAuthorOp, { input })).silenceAuthor.customer,
      (c) => `${customerName(c)} is silenced until ${formatDateTime(c.silencedUntil!)}.`,
    ).then(() => setReason(''));
  };
  const unsilence = () =>
    run(
      async () =>
        (await mutate<UnsilenceAuthorData, { input: { customerId: string } }>(unsilenceAuthorOp, { input: { customerId: customer.id } })).unsilenceAuthor
          .customer,
      (c) => `${customerName(c)} may write again.`,
    );

  return (
    <form class="silence-form" data-testid="silence-form" onSubmit={silence}>
      <div class="admin-actions">
        <span class="small">{silenced ? 'Silence again, until' : 'Silence until'}</span>
        {silencePresets.map((days) => (
          <button key={days} type="button" class="link small" data-testid={`silence-preset-${days}`} onClick={() => setUntil(presetUntil(new Date(), days))}>
            {days === 1 ? '1 day' : `${days} days`}
          </button>
        ))}
        <input
          type="datetime-local"
          aria-label="Silenced until"
          data-testid="silence-until"
          value={until}
          onInput={(e) => setUntil(e.currentTarget.value)}
        />
        <input
          class="reason"
          aria-label="Why (the author reads it)"
          data-testid="silence-reason"
          placeholder="Why (the author reads it every time they are refused)"
          value={reason}
          maxLength={maxSilenceReason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        <button type="submit" class="button button-secondary" data-testid="silence-submit" disabled={busy}>
          Silence
        </button>
        {silenced && (
          <button type="button" class="button" data-testid="unsilence" disabled={busy} onClick={unsilence}>
            Lift the silence
          </button>
        )}
      </div>
      {done && (
        <p class="small tone-text-good" role="status" data-testid="silence-message">
          {done}
        </p>
      )}
      {error && (
        <p class="notice notice-error" role="alert" data-testid="silence-error">
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * Silenced lists everyone silenced now, with until when and why, to lift
 * a silence or open the author's record. The server filters
 * (silencedCustomers, by its own clock); the screen pages through at most
 * maxSilencedPages pages of them.
 */
export function Silenced() {
  const [state, reload, update] = useLoad(async () => {
    const out: SilenceCustomer[] = [];
    let after: string | null = null;
    for (let page = 0; page < maxSilencedPages; page++) {
      const d: SilencedCustomersData = await query<SilencedCustomersData, { after: string | null }>(silencedCustomersOp, { after });
      out.push(...nodes(d.silencedCustomers.edges));
      if (!d.silencedCustomers.pageInfo.hasNextPage) {
        return { customers: out, complete: true };
      }
      after = d.silencedCustomers.pageInfo.endCursor;
    }
    return { customers: out, complete: false };
  });
  const [open, setOpen] = useState<string | null>(null);
  const replace = (c: SilenceCustomer) => update((s) => ({ ...s, customers: s.customers.map((x) => (x.id === c.id ? c : x)) }));

  return (
    <section data-testid="silenced">
      <div class="admin-head">
        <h1 class="title">Silenced authors</h1>
        <button type="button" class="button button-secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      {state.status === 'loading' && <Spinner label="Looking for silenced authors…" />}
      {state.status === 'failed' && <ErrorNotice message={state.error} onRetry={reload} />}
      {state.status === 'done' && !state.data.complete && (
        <p class="notice small">Only the first {(maxSilencedPages * 100).toLocaleString('en')} silenced authors are shown.</p>
      )}
      {state.status === 'done' && state.data.customers.length === 0 && (
        <div class="empty" data-testid="silenced-empty">
          <p>No one is silenced. Silence an author from a queue item's "Author and silence".</p>
        </div>
      )}
      {state.status === 'done' && state.data.customers.length > 0 && (
        <ul class="admin-list">
          {state.data.customers.map((c) => (
            <li key={c.id} class="card" data-testid="silenced-row" data-customer-id={c.id}>
              <div class="admin-item-head">
                <strong>{customerName(c)}</strong>
                <span class="muted small">{c.email}</span>
                <StatusPill label={silenceLabel(c, new Date())} testid="silence-status" />
                <button type="button" class="link" onClick={() => setOpen(open === c.id ? null : c.id)}>
                  {open === c.id ? 'Close' : 'Their record'}
                </button>
              </div>
              {open === c.id ? <AuthorRecord authorId={c.id} /> : <SilenceForm customer={c} onChange={replace} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
