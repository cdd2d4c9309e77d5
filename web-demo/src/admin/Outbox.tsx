import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../api/errors';
import { ErrorNotice, Spinner } from '../components/common';
import { formatDateTime } from '../format';
import { mutate, query } from './api';
import {
  canRetry,
  kindLabel,
  messageKinds,
  messageStatuses,
  noFilter,
  outboxMessageOp,
  outboxFilterFromHash,
  outboxJourneysOp,
  outboxMessagesOp,
  outboxWhere,
  previewDocument,
  retryMessageOp,
  statusNote,
  type MessagePreview,
  type MessageWhere,
  type OutboxFilter,
  type OutboxJourneysData,
  type OutboxMessage,
  type OutboxMessageData,
  type OutboxMessagesData,
  type RetryMessageData,
} from './OutboxModel';
import { OutboxTemplates } from './OutboxTemplates';
import { useLoad } from './useLoad';
import './Outbox.css';

/**
 * Outbox is staff's view of every message the server sent or will send
 * (#/outbox), newest first and filterable by status, kind, customer
 * email, journey and campaign (#/outbox?campaign=<id>, the campaign
 * screen's link), with each message's rendered preview and a retry for DEAD ones;
 * #/outbox/templates edits the templates. In development mode nothing
 * leaves the machine, so this is where a demo order's confirmation is.
 */
export function Outbox() {
  const [tab, setTab] = useState(() => outboxTab(window.location.hash));
  useEffect(() => {
    const onChange = () => setTab(outboxTab(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return (
    <section data-testid="outbox">
      <div class="admin-head">
        <h1 class="title">Outbox</h1>
        <nav class="outbox-tabs" aria-label="Outbox">
          <a href="#/outbox" class={tab === 'messages' ? 'on' : ''} data-testid="outbox-tab-messages">
            Messages
          </a>
          <a href="#/outbox/templates" class={tab === 'templates' ? 'on' : ''} data-testid="outbox-tab-templates">
            Templates
          </a>
        </nav>
      </div>
      {tab === 'templates' ? <OutboxTemplates /> : <OutboxMessages />}
    </section>
  );
}

/** outboxTab reads the outbox's tab from the hash. */
function outboxTab(hash: string): 'messages' | 'templates' {
  return /^#\/outbox\/templates/.test(hash) ? 'templates' : 'messages';
}

function OutboxMessages() {
  const [form, setForm] = useState<OutboxFilter>(() => outboxFilterFromHash(window.location.hash));
  const [where, setWhere] = useState<MessageWhere | null>(() => outboxWhere(form));
  const [state, reload, update] = useLoad(() =>
    query<OutboxMessagesData, { after: string | null; where: MessageWhere | null }>(outboxMessagesOp, { after: null, where }),
  );
  const [open, setOpen] = useState<string | null>(null);
  const [more, setMore] = useState<string | null>(null);
  // Suggestions only: while they load, or if they fail, a name can still be typed.
  const [journeys] = useLoad(() => query<OutboxJourneysData, Record<string, never>>(outboxJourneysOp, {}));

  useEffect(reload, [where]);

  const apply = (e: Event) => {
    e.preventDefault();
    setOpen(null);
    setWhere(outboxWhere(form));
  };
  const loadMore = async (after: string) => {
    try {
      const d = await query<OutboxMessagesData, { after: string; where: MessageWhere | null }>(outboxMessagesOp, { after, where });
      update((cur) => ({ messages: { ...d.messages, edges: [...cur.messages.edges, ...d.messages.edges] } }));
      setMore(null);
    } catch (err) {
      setMore(describeError(err));
    }
  };
  const replaced = (m: OutboxMessage) =>
    update((cur) => ({ messages: { ...cur.messages, edges: cur.messages.edges.map((e) => (e.node.id === m.id ? { node: m } : e)) } }));

  return (
    <div>
      <form class="outbox-filter" onSubmit={apply} data-testid="outbox-filter">
        <label>
          Status{' '}
          <select value={form.status} onChange={(e) => setForm({ ...form, status: (e.target as HTMLSelectElement).value as OutboxFilter['status'] })} data-testid="filter-status">
            <option value="">Any</option>
            {messageStatuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Kind{' '}
          <select value={form.kind} onChange={(e) => setForm({ ...form, kind: (e.target as HTMLSelectElement).value as OutboxFilter['kind'] })} data-testid="filter-kind">
            <option value="">Any</option>
            {messageKinds.map((k) => (
              <option key={k} value={k}>
                {kindLabel(k)}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Customer email{' '}
          <input type="search" value={form.email} onInput={(e) => setForm({ ...form, email: (e.target as HTMLInputElement).value })} data-testid="filter-email" />
        </label>{' '}
        <label>
          Journey{' '}
          <input type="search" list="outbox-journeys" value={form.journey} onInput={(e) => setForm({ ...form, journey: (e.target as HTMLInputElement).value })} data-testid="filter-journey" />
          <datalist id="outbox-journeys">
            {journeys.status === 'done' &&
              journeys.data.journeys.map((j) => (
                <option key={j.name} value={j.name}>
                  {j.description}
                </option>
              ))}
          </datalist>
        </label>{' '}
        <label>
          Campaign id{' '}
          <input type="search" size={12} value={form.campaign} onInput={(e) => setForm({ ...form, campaign: (e.target as HTMLInputElement).value })} data-testid="filter-campaign" />
        </label>{' '}
        <button type="submit" class="button" data-testid="filter-apply">
          Show
        </button>{' '}
        {where && (
          <button
            type="button"
            class="button secondary"
            onClick={() => {
              setForm(noFilter);
              setOpen(null);
              setWhere(null);
            }}
            data-testid="filter-clear"
          >
            Every message
          </button>
        )}
      </form>
      {where?.campaignId && (
        <p class="muted" data-testid="outbox-campaign-filter">
          The messages campaign {where.campaignId} queued. <a href="#/campaigns">Back to the campaigns</a>
        </p>
      )}
      {state.status === 'loading' && <Spinner label="Loading messages…" />}
      {state.status === 'failed' && <ErrorNotice message={state.error} onRetry={reload} />}
      {state.status === 'done' && (
        <>
          <p class="muted" data-testid="outbox-count">
            {state.data.messages.totalCount === 1 ? '1 message' : `${state.data.messages.totalCount} messages`}
          </p>
          {state.data.messages.edges.length === 0 ? (
            <p class="empty" data-testid="outbox-empty">
              {where?.campaignId ? 'This campaign has queued no message (yet): it queues them when it goes.' : 'No message matches.'}
            </p>
          ) : (
            <table class="outbox-table" data-testid="outbox-list">
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Kind</th>
                  <th>To</th>
                  <th>Subject</th>
                  <th>Created</th>
                  <th>Sent</th>
                </tr>
              </thead>
              <tbody>
                {state.data.messages.edges.map(({ node: m }) => (
                  <MessageRow key={m.id} m={m} open={open === m.id} onToggle={() => setOpen(open === m.id ? null : m.id)} onRetried={replaced} />
                ))}
              </tbody>
            </table>
          )}
          {state.data.messages.pageInfo.hasNextPage && state.data.messages.pageInfo.endCursor && (
            <p>
              <button type="button" class="button secondary" onClick={() => void loadMore(state.data.messages.pageInfo.endCursor!)} data-testid="outbox-more">
                Older messages
              </button>
              {more && <span class="field-error"> {more}</span>}
            </p>
          )}
        </>
      )}
    </div>
  );
}

function MessageRow({ m, open, onToggle, onRetried }: { m: OutboxMessage; open: boolean; onToggle: () => void; onRetried: (m: OutboxMessage) => void }) {
  return (
    <>
      <tr
        class={`outbox-row ${open ? 'open' : ''}`}
        data-testid="outbox-message"
        data-id={m.id}
        data-kind={m.kind}
        data-channel={m.channel}
        data-status={m.status}
        data-order={m.order?.number ?? ''}
        onClick={onToggle}
        aria-expanded={open}
      >
        <td>
          <span class={`outbox-status s-${m.status.toLowerCase()}`} title={statusNote(m)}>
            {m.status}
          </span>
        </td>
        <td>
          {kindLabel(m.kind)}
          <span class="muted"> · {m.channel}</span>
        </td>
        <td>{m.recipient || m.customer?.email || '—'}</td>
        <td>
          <button type="button" class="link" data-testid="outbox-open">
            {m.subject ?? <em>not rendered yet</em>}
          </button>
          {m.lastError && (
            <div class="field-error" data-testid="outbox-last-error">
              {m.lastError}
            </div>
          )}
        </td>
        <td>{formatDateTime(m.createdAt)}</td>
        <td>{m.sentAt ? formatDateTime(m.sentAt) : '—'}</td>
      </tr>
      {open && (
        <tr class="outbox-detail-row">
          <td colSpan={6}>
            <MessageDetail id={m.id} onRetried={onRetried} />
          </td>
        </tr>
      )}
    </>
  );
}

/** MessageDetail is one message as the customer gets it, and its retry. */
function MessageDetail({ id, onRetried }: { id: string; onRetried: (m: OutboxMessage) => void }) {
  const [state, reload] = useLoad(() => query<OutboxMessageData, { id: string }>(outboxMessageOp, { id }));
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  if (state.status === 'loading') {
    return <Spinner label="Rendering the message…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  const node = state.data.node;
  if (!node || !('preview' in node)) {
    return <ErrorNotice message="This message no longer exists." />;
  }
  const m = node as OutboxMessage & { preview: MessagePreview };
  const retry = async () => {
    setBusy(true);
    try {
      const d = await mutate<RetryMessageData, { id: string }>(retryMessageOp, { id });
      onRetried(d.retryMessage.message);
      setSaid('Queued again: it gets another round of attempts.');
      reload();
    } catch (err) {
      setSaid(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="outbox-detail" data-testid="outbox-detail">
      <p class="muted" data-testid="outbox-status-note">
        {statusNote(m)}
        {m.order && <> · order {m.order.number}</>} · {m.transactional ? 'transactional' : 'marketing'}
      </p>
      {canRetry(m) && (
        <p>
          <button type="button" class="button" disabled={busy} onClick={() => void retry()} data-testid="outbox-retry">
            {busy ? 'Retrying…' : 'Retry'}
          </button>
        </p>
      )}
      {said && (
        <p role="status" data-testid="outbox-retry-said">
          {said}
        </p>
      )}
      <p>
        <strong data-testid="preview-subject">{m.preview.subject}</strong>
      </p>
      {m.preview.html ? (
        <iframe
          class="outbox-preview"
          title={`Preview of “${m.preview.subject}”`}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          srcDoc={previewDocument(m.preview.html)}
          data-testid="preview-html"
        />
      ) : (
        <p class="muted">No HTML part.</p>
      )}
      <details open>
        <summary>Plain-text part</summary>
        <pre class="outbox-text" data-testid="preview-text">
          {m.preview.text}
        </pre>
      </details>
    </div>
  );
}
