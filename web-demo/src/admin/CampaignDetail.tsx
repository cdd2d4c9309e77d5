import { useState } from 'preact/hooks';
import { ErrorNotice, Spinner } from '../components/common';
import { formatDateTime } from '../format';
import { mutate, query } from './api';
import {
  audienceWords,
  campaignOp,
  campaignPreviewOp,
  campaignProblem,
  canCancel,
  canSchedule,
  cancelCampaignOp,
  localInputValue,
  outboxLink,
  scheduleCampaignOp,
  scheduleTime,
  segmentWords,
  statusWords,
  type Audience,
  type Campaign,
  type CampaignData,
  type CampaignPreviewData,
  type Problem,
} from './CampaignModel';
import { previewDocument, type MessagePreview } from './OutboxModel';
import { useLoad } from './useLoad';

/**
 * CampaignDetail is one campaign opened: where it stands, who it reaches
 * now (count and the first customers), what the first of them gets, and
 * what staff can do with it: schedule it (or move its time) and cancel
 * it while it has not gone; its messages in the outbox once it has.
 */
export function CampaignDetail({ id, onChanged }: { id: string; onChanged: (c: Campaign) => void }) {
  const [state, reload, update] = useLoad(() => query<CampaignData, { id: string }>(campaignOp, { id }));
  const [at, setAt] = useState(() => localInputValue(new Date(Date.now() + 3_600_000)));
  const [busy, setBusy] = useState<'schedule' | 'cancel' | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  if (state.status === 'loading') {
    return <Spinner label="Counting who it reaches…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  const node = state.data.node;
  if (!node || !('audience' in node)) {
    return <ErrorNotice message="This campaign no longer exists." />;
  }
  const c = node as Campaign & { audience: Audience };
  const changed = (next: Campaign, words: string) => {
    update((d) => ({ node: { ...c, ...(d.node as typeof c), ...next } }));
    onChanged(next);
    setSaid(words);
  };
  const schedule = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    setSaid(null);
    const time = scheduleTime(at);
    if (!time) {
      setProblem({ field: 'at', message: 'Send at: choose a date and a time.' });
      return;
    }
    setBusy('schedule');
    try {
      const d = await mutate<{ scheduleCampaign: { campaign: Campaign } }, { id: string; at: string }>(scheduleCampaignOp, { id, at: time });
      changed(d.scheduleCampaign.campaign, `Scheduled: it goes on ${formatDateTime(time)}.`);
    } catch (err) {
      setProblem(campaignProblem(err, 'schedule'));
    } finally {
      setBusy(null);
    }
  };
  const cancel = async () => {
    setProblem(null);
    setSaid(null);
    setBusy('cancel');
    try {
      const d = await mutate<{ cancelCampaign: { campaign: Campaign } }, { id: string }>(cancelCampaignOp, { id });
      changed(d.cancelCampaign.campaign, 'Canceled: it will not go out.');
    } catch (err) {
      setProblem(campaignProblem(err, 'cancel'));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="outbox-detail" data-testid="campaign-detail" data-status={c.status}>
      <p data-testid="campaign-detail-status">
        <strong>{statusWords(c, formatDateTime)}</strong>
        {c.createdBy && <span class="muted"> · written by {c.createdBy}</span>}
      </p>
      <p>
        {segmentWords(c.segment)} · <AudienceList audience={c.audience} />
        {c.status === 'SENT' && <span class="muted"> (who it would reach now; its messages say who got it)</span>}
      </p>
      {canSchedule(c) && (
        <form class="outbox-filter" onSubmit={(e) => void schedule(e)} data-testid="campaign-schedule-form">
          <label>
            Send at{' '}
            <input type="datetime-local" value={at} onInput={(e) => setAt((e.target as HTMLInputElement).value)} data-testid="campaign-at" />
          </label>
          <button type="submit" class="button" disabled={busy !== null} data-testid="campaign-schedule">
            {busy === 'schedule' ? 'Scheduling…' : c.status === 'SCHEDULED' ? 'Move to this time' : 'Schedule'}
          </button>
          {canCancel(c) && (
            <button type="button" class="button secondary" disabled={busy !== null} onClick={() => void cancel()} data-testid="campaign-cancel">
              {busy === 'cancel' ? 'Canceling…' : 'Cancel the campaign'}
            </button>
          )}
        </form>
      )}
      {problem && (
        <p class="field-error" role="alert" data-testid="campaign-action-problem">
          {problem.message}
        </p>
      )}
      {said && (
        <p role="status" data-testid="campaign-said">
          {said}
        </p>
      )}
      <p>
        <a href={outboxLink(c.id)} data-testid="campaign-messages">
          {c.queued === 0 ? 'Its messages in the outbox (none yet)' : `Its ${c.queued} ${c.queued === 1 ? 'message' : 'messages'} in the outbox`}
        </a>
      </p>
      <CampaignPreview id={c.id} reaches={c.audience.count} />
    </div>
  );
}

/** CampaignPreview is the campaign as the first customer of its audience gets it. */
function CampaignPreview({ id, reaches }: { id: string; reaches: number }) {
  const [state, reload] = useLoad(() => query<CampaignPreviewData, { id: string }>(campaignPreviewOp, { id }).catch((err: unknown) => ({ problem: campaignProblem(err, 'preview') })));
  if (reaches === 0) {
    return <p class="empty">No preview: the segment reaches no customer yet.</p>;
  }
  if (state.status === 'loading') {
    return <Spinner label="Rendering the preview…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  if ('problem' in state.data) {
    return <ErrorNotice message={state.data.problem.message} onRetry={reload} />;
  }
  const node = state.data.node;
  if (!node || !('preview' in node)) {
    return <ErrorNotice message="This campaign no longer exists." />;
  }
  return <PreviewParts preview={node.preview} testid="campaign-preview" caption="What the first of them gets" />;
}

/** PreviewParts shows a rendered message: its subject, the HTML in a sandboxed iframe, and its text part. */
export function PreviewParts({ preview, testid, caption }: { preview: MessagePreview; testid: string; caption: string }) {
  return (
    <div data-testid={testid}>
      <p class="muted">{caption}</p>
      <p>
        <strong data-testid={`${testid}-subject`}>{preview.subject}</strong>
      </p>
      {preview.html ? (
        <iframe
          class="outbox-preview"
          title={`Preview of “${preview.subject}”`}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          srcDoc={previewDocument(preview.html)}
          data-testid={`${testid}-html`}
        />
      ) : (
        <p class="muted">No HTML part.</p>
      )}
      <details open>
        <summary>Plain-text part</summary>
        <pre class="outbox-text" data-testid={`${testid}-text`}>
          {preview.text}
        </pre>
      </details>
    </div>
  );
}

/** AudienceList is an audience's count in words and its first customers. */
export function AudienceList({ audience }: { audience: Audience }) {
  const more = audience.count - audience.customers.length;
  return (
    <span data-testid="audience">
      <strong data-testid="audience-count" data-count={audience.count}>
        {audienceWords(audience.count)}
      </strong>
      {audience.customers.length > 0 && (
        <>
          {': '}
          <span data-testid="audience-customers">
            {audience.customers.map((c) => [c.firstName, c.lastName].filter(Boolean).join(' ') + ` <${c.email}>`).join(', ')}
          </span>
          {more > 0 && ` and ${more} more`}
        </>
      )}
    </span>
  );
}
