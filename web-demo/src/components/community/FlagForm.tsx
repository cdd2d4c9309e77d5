import { useState } from 'preact/hooks';
import { mutate } from '../../api/client';
import { flagOp, type FlagData, type FlagInput, type FlagReason } from '../../api/communityOperations';
import { describeTalkError, flagProblem, flagReasons, maxFlagNote } from '../../communityTalk';

let nextForm = 0;

/**
 * FlagButton reports someone else's post or comment to the store: a
 * "Report" link opens a reason (and a note, which OTHER needs) and sends
 * flag. The page never shows it on the viewer's own content. A flag that
 * takes the item past the threshold hides it: the live feeds then drop it.
 */
export function FlagButton({ itemId, what }: { itemId: string; what: 'post' | 'comment' }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<FlagReason | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [done, setDone] = useState(false);
  const [id] = useState(() => `flag-${nextForm++}`);

  if (done) {
    return (
      <p class="small muted" role="status" data-testid="flagged">
        Thanks for telling us: the store will look at this {what}.
      </p>
    );
  }
  if (!open) {
    return (
      <button type="button" class="link small" data-testid="flag-open" aria-label={`Report this ${what}`} onClick={() => setOpen(true)}>
        Report
      </button>
    );
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = flagProblem(reason, note);
    if (problem || !reason) {
      setError(problem);
      return;
    }
    setSending(true);
    setError(null);
    try {
      const input: FlagInput = { itemId, reason, note: note.trim() || null };
      await mutate<FlagData, { input: FlagInput }>(flagOp, { input });
      setDone(true);
    } catch (err) {
      setError(describeTalkError(err));
    } finally {
      setSending(false);
    }
  };
  return (
    <form class="flag-form" data-testid="flag-form" onSubmit={submit}>
      <fieldset>
        <legend>What is wrong with this {what}?</legend>
        {flagReasons.map((r) => (
          <label key={r.reason} class="check">
            <input
              type="radio"
              name={id}
              value={r.reason}
              data-testid={`flag-reason-${r.reason}`}
              checked={reason === r.reason}
              onChange={() => {
                setReason(r.reason);
                setError(null);
              }}
            />{' '}
            {r.label}
          </label>
        ))}
      </fieldset>
      {reason === 'OTHER' && (
        <>
          <label for={`${id}-note`}>Tell the store what is wrong</label>
          <textarea
            id={`${id}-note`}
            data-testid="flag-note"
            rows={2}
            maxLength={maxFlagNote}
            value={note}
            onInput={(e) => {
              setNote(e.currentTarget.value);
              setError(null);
            }}
          />
        </>
      )}
      {error && (
        <p class="notice notice-error" role="alert" data-testid="flag-error">
          {error}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="button button-secondary" data-testid="flag-submit" disabled={sending}>
          {sending ? 'Sending…' : 'Send report'}
        </button>
        <button type="button" class="link" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
