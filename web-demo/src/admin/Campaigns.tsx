import { useState } from 'preact/hooks';
import { describeError } from '../api/errors';
import { ErrorNotice, Spinner } from '../components/common';
import { formatDateTime } from '../format';
import { mutate, query } from './api';
import { AudienceList, CampaignDetail } from './CampaignDetail';
import {
  campaignAudienceOp,
  campaignProblem,
  campaignsOp,
  campaignVariables,
  createCampaignOp,
  emptyForm,
  segmentInput,
  segmentWords,
  statusWords,
  type Audience,
  type Campaign,
  type CampaignAudienceData,
  type CampaignForm,
  type CampaignsData,
  type Problem,
  type Segment,
} from './CampaignModel';
import { useLoad } from './useLoad';
import './Outbox.css';

/** campaignList is the loaded campaigns, newest first, without holes. */
const campaignList = (d: CampaignsData): Campaign[] => (d.campaigns.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));

/**
 * Campaigns is staff's communication calendar (#/campaigns): every
 * campaign with where it stands and how many messages it queued; a form
 * to write one for a segment (checking who it reaches first); and, for
 * the open one, its audience, its preview as a customer gets it,
 * scheduling, cancelling, and its messages in the outbox.
 */
export function Campaigns() {
  const [state, reload, update] = useLoad(() => query<CampaignsData, { after: string | null }>(campaignsOp, { after: null }));
  const [open, setOpen] = useState<string | null>(null);
  const [writing, setWriting] = useState(false);
  const [more, setMore] = useState<string | null>(null);

  const replaced = (c: Campaign) =>
    update((d) => ({ campaigns: { ...d.campaigns, edges: (d.campaigns.edges ?? []).map((e) => (e?.node?.id === c.id ? { node: c } : e)) } }));
  const created = (c: Campaign) => {
    update((d) => ({ campaigns: { ...d.campaigns, totalCount: d.campaigns.totalCount + 1, edges: [{ node: c }, ...(d.campaigns.edges ?? [])] } }));
    setWriting(false);
    setOpen(c.id);
  };
  const loadMore = async (after: string) => {
    try {
      const d = await query<CampaignsData, { after: string }>(campaignsOp, { after });
      update((cur) => ({ campaigns: { ...d.campaigns, totalCount: d.campaigns.totalCount, edges: [...(cur.campaigns.edges ?? []), ...(d.campaigns.edges ?? [])] } }));
      setMore(null);
    } catch (err) {
      setMore(describeError(err));
    }
  };

  return (
    <section data-testid="campaigns">
      <div class="admin-head">
        <h1 class="title">Campaigns</h1>
        {!writing && (
          <button type="button" class="button" onClick={() => setWriting(true)} data-testid="campaign-new">
            New campaign
          </button>
        )}
      </div>
      {writing && state.status === 'done' && (
        <CampaignEditor earlier={campaignList(state.data)} onCreated={created} onClose={() => setWriting(false)} />
      )}
      {state.status === 'loading' && <Spinner label="Loading campaigns…" />}
      {state.status === 'failed' && <ErrorNotice message={state.error} onRetry={reload} />}
      {state.status === 'done' &&
        (campaignList(state.data).length === 0 ? (
          <p class="empty" data-testid="campaigns-empty">
            No campaigns yet. Write one with <strong>New campaign</strong>: a message to a segment of your customers, sent once at a time you choose.
          </p>
        ) : (
          <>
            <p class="muted" data-testid="campaigns-count">
              {state.data.campaigns.totalCount === 1 ? '1 campaign' : `${state.data.campaigns.totalCount} campaigns`}
            </p>
            <table class="outbox-table" data-testid="campaign-list">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Status</th>
                  <th>Who</th>
                  <th>Queued</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {campaignList(state.data).map((c) => (
                  <CampaignRow key={c.id} c={c} open={open === c.id} onToggle={() => setOpen(open === c.id ? null : c.id)} onChanged={replaced} />
                ))}
              </tbody>
            </table>
            {state.data.campaigns.pageInfo.hasNextPage && state.data.campaigns.pageInfo.endCursor && (
              <p>
                <button type="button" class="button secondary" onClick={() => void loadMore(state.data.campaigns.pageInfo.endCursor!)}>
                  Older campaigns
                </button>
                {more && <span class="field-error"> {more}</span>}
              </p>
            )}
          </>
        ))}
    </section>
  );
}

function CampaignRow({ c, open, onToggle, onChanged }: { c: Campaign; open: boolean; onToggle: () => void; onChanged: (c: Campaign) => void }) {
  return (
    <>
      <tr class={`outbox-row ${open ? 'open' : ''}`} data-testid="campaign" data-id={c.id} data-status={c.status} onClick={onToggle} aria-expanded={open}>
        <td>
          <button type="button" class="link" data-testid="campaign-open">
            {c.name}
          </button>
        </td>
        <td data-testid="campaign-status">{statusWords(c, formatDateTime)}</td>
        <td>{segmentWords(c.segment)}</td>
        <td data-testid="campaign-queued">{c.queued}</td>
        <td>{formatDateTime(c.createdAt)}</td>
      </tr>
      {open && (
        <tr class="outbox-detail-row">
          <td colSpan={5}>
            <CampaignDetail id={c.id} onChanged={onChanged} />
          </td>
        </tr>
      )}
    </>
  );
}

/**
 * CampaignEditor writes a new campaign: its name, its subject, HTML and
 * text parts (from the starter template, or copied from an earlier
 * campaign), and its segment, whose audience it checks on request. The
 * server checks the templates before it saves anything; its refusal is
 * shown at the field it names.
 */
function CampaignEditor({ earlier, onCreated, onClose }: { earlier: Campaign[]; onCreated: (c: Campaign) => void; onClose: () => void }) {
  const [form, setForm] = useState<CampaignForm>(emptyForm);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [audience, setAudience] = useState<{ state: 'checking' } | { state: 'done'; audience: Audience } | { state: 'failed'; problem: Problem } | null>(null);
  const set = (k: keyof CampaignForm) => (e: Event) => {
    setForm({ ...form, [k]: (e.target as HTMLInputElement | HTMLTextAreaElement).value });
    if (k === 'lastOrderDays' || k === 'tier' || k === 'category') {
      setAudience(null);
    }
  };
  const segment = (): Segment | null => {
    const s = segmentInput(form);
    if ('field' in s) {
      setProblem({ field: s.field, message: s.problem });
      return null;
    }
    return s.segment;
  };
  const checkAudience = async () => {
    setProblem(null);
    const seg = segment();
    if (!seg) {
      return;
    }
    setAudience({ state: 'checking' });
    try {
      const d = await query<CampaignAudienceData, { segment: Segment }>(campaignAudienceOp, { segment: seg });
      setAudience({ state: 'done', audience: d.campaignAudience });
    } catch (err) {
      setAudience({ state: 'failed', problem: campaignProblem(err, 'create') });
    }
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    if (!form.name.trim()) {
      setProblem({ field: 'name', message: 'Name: give the campaign a name staff will recognise.' });
      return;
    }
    const seg = segment();
    if (!seg) {
      return;
    }
    setBusy(true);
    try {
      const d = await mutate<{ createCampaign: { campaign: Campaign } }, { input: object }>(createCampaignOp, {
        input: { name: form.name.trim(), subject: form.subject, html: form.html, text: form.text, segment: seg },
      });
      onCreated(d.createCampaign.campaign);
    } catch (err) {
      setProblem(campaignProblem(err, 'create'));
    } finally {
      setBusy(false);
    }
  };
  const copyFrom = (id: string) => {
    const c = earlier.find((x) => x.id === id);
    if (c) {
      setForm({ ...form, subject: c.subject, html: c.html ?? '', text: c.text });
    }
  };
  const at = (field: string) =>
    problem?.field === field ? (
      <span class="field-error" role="alert" data-testid={`campaign-problem-${field}`}>
        {problem.message}
      </span>
    ) : null;

  return (
    <form class="card template-editor" onSubmit={(e) => void save(e)} data-testid="campaign-editor">
      <h2>New campaign</h2>
      <label>
        Name <span class="muted">(for staff; customers never see it)</span>
        <input type="text" value={form.name} onInput={set('name')} maxLength={200} data-testid="campaign-name" />
        {at('name')}
      </label>
      {earlier.length > 0 && (
        <label>
          Start from{' '}
          <select onChange={(e) => copyFrom((e.target as HTMLSelectElement).value)} data-testid="campaign-copy">
            <option value="">the starter template</option>
            {earlier.map((c) => (
              <option key={c.id} value={c.id}>
                “{c.name}”
              </option>
            ))}
          </select>
        </label>
      )}
      <p class="muted">Variables: {campaignVariables.map((v) => `{{${v}}}`).join(', ')}</p>
      <label>
        Subject
        <input type="text" value={form.subject} onInput={set('subject')} data-testid="campaign-subject" />
        {at('subject')}
      </label>
      <label>
        HTML part
        <textarea rows={8} value={form.html} onInput={set('html')} data-testid="campaign-html" />
        {at('html')}
      </label>
      <label>
        Plain-text part
        <textarea rows={6} value={form.text} onInput={set('text')} data-testid="campaign-text" />
        {at('text')}
      </label>
      <fieldset>
        <legend>Who it reaches (every condition you fill in must hold; none: every customer)</legend>
        <label>
          Last order older than{' '}
          <input type="number" min={1} max={3650} value={form.lastOrderDays} onInput={set('lastOrderDays')} data-testid="campaign-days" /> days
          {at('segment.lastOrderOlderThanDays')}
        </label>{' '}
        <label>
          Loyalty tier <input type="text" value={form.tier} onInput={set('tier')} data-testid="campaign-tier" />
          {at('segment.tier')}
        </label>{' '}
        <label>
          Bought from category <input type="text" value={form.category} onInput={set('category')} data-testid="campaign-category" />
          {at('segment.category')}
        </label>
        <p>
          <button type="button" class="button secondary" onClick={() => void checkAudience()} data-testid="campaign-check-audience">
            Who does it reach?
          </button>{' '}
          {audience?.state === 'checking' && <span class="muted">Counting…</span>}
          {audience?.state === 'failed' && <span class="field-error">{audience.problem.message}</span>}
          {audience?.state === 'done' && <AudienceList audience={audience.audience} />}
        </p>
      </fieldset>
      {problem && !['name', 'subject', 'html', 'text', 'segment.lastOrderOlderThanDays', 'segment.tier', 'segment.category'].includes(problem.field ?? '') && (
        <p class="field-error" role="alert" data-testid="campaign-problem">
          {problem.message}
        </p>
      )}
      <p>
        <button type="submit" class="button" disabled={busy} data-testid="campaign-create">
          {busy ? 'Checking the templates…' : 'Save as draft'}
        </button>{' '}
        <button type="button" class="button secondary" onClick={onClose}>
          Close
        </button>
      </p>
    </form>
  );
}
