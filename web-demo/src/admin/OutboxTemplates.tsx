import { useState } from 'preact/hooks';
import { describeError, errorCode, errorExtensions } from '../api/errors';
import { ErrorNotice, Spinner } from '../components/common';
import { mutate, query } from './api';
import {
  kindLabel,
  messageKinds,
  messageTemplateOp,
  saveMessageTemplateOp,
  templateProblem,
  type MessageKind,
  type MessageTemplateData,
  type SaveMessageTemplateData,
  type TemplateSource,
} from './OutboxModel';
import { useLoad } from './useLoad';

/**
 * loadTemplates asks for every kind's EMAIL template at once: the server
 * answers for the kinds it sends (staff's saved template, else the shipped
 * default) and NOT_FOUND / INVALID_INPUT for the kinds not sent yet, which
 * the list leaves out.
 */
async function loadTemplates(): Promise<TemplateSource[]> {
  const all = await Promise.all(
    messageKinds.map((kind) =>
      query<MessageTemplateData, { kind: MessageKind; channel: 'EMAIL' }>(messageTemplateOp, { kind, channel: 'EMAIL' }).then(
        (d) => d.messageTemplate,
        (err: unknown) => {
          const code = errorCode(err);
          if (code === 'NOT_FOUND' || code === 'INVALID_INPUT') {
            return null;
          }
          throw err;
        },
      ),
    ),
  );
  return all.filter((t): t is TemplateSource => t !== null);
}

/**
 * OutboxTemplates lists the templates of the kinds the server sends by
 * email and edits one: the server checks a template against a sample of
 * the kind's variables before saving it, and its refusal (a syntax error,
 * an unknown variable, naming the part) is shown as it said it.
 */
export function OutboxTemplates() {
  const [state, reload, update] = useLoad(loadTemplates);
  const [editing, setEditing] = useState<MessageKind | null>(null);
  if (state.status === 'loading') {
    return <Spinner label="Loading templates…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  const saved = (t: TemplateSource) => update((list) => list.map((x) => (x.kind === t.kind && x.channel === t.channel ? t : x)));
  return (
    <div data-testid="outbox-templates">
      {state.data.length === 0 ? (
        <p class="empty">The server sends no email yet.</p>
      ) : (
        <ul class="cards">
          {state.data.map((t) => (
            <li key={t.kind} class="card" data-testid="template" data-kind={t.kind}>
              <p>
                <strong>{kindLabel(t.kind)}</strong> · {t.channel} · {t.isDefault ? 'shipped default' : 'edited by staff'}
              </p>
              <p class="muted">{t.subject}</p>
              {editing === t.kind ? (
                <TemplateEditor t={t} onSaved={saved} onClose={() => setEditing(null)} />
              ) : (
                <button type="button" class="button secondary" onClick={() => setEditing(t.kind)} data-testid="template-edit">
                  Edit
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function TemplateEditor({ t, onSaved, onClose }: { t: TemplateSource; onSaved: (t: TemplateSource) => void; onClose: () => void }) {
  const [subject, setSubject] = useState(t.subject);
  const [html, setHtml] = useState(t.html);
  const [text, setText] = useState(t.text);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    setDone(false);
    try {
      const d = await mutate<SaveMessageTemplateData, { input: { kind: MessageKind; channel: string; subject: string; html: string; text: string } }>(
        saveMessageTemplateOp,
        { input: { kind: t.kind, channel: t.channel, subject, html, text } },
      );
      onSaved(d.saveMessageTemplate.template);
      setDone(true);
    } catch (err) {
      const x = errorExtensions(err);
      setProblem(x && x.extensions.code === 'INVALID_INPUT' ? templateProblem(x.message, x.extensions.field) : describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="template-editor" onSubmit={(e) => void save(e)} data-testid="template-editor">
      <label>
        Subject
        <input type="text" value={subject} onInput={(e) => setSubject((e.target as HTMLInputElement).value)} data-testid="template-subject" />
      </label>
      <label>
        HTML part
        <textarea rows={14} value={html} onInput={(e) => setHtml((e.target as HTMLTextAreaElement).value)} data-testid="template-html" />
      </label>
      <label>
        Plain-text part
        <textarea rows={10} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} data-testid="template-text" />
      </label>
      {problem && (
        <p class="field-error" role="alert" data-testid="template-problem">
          {problem}
        </p>
      )}
      {done && (
        <p role="status" data-testid="template-saved">
          Saved. Messages rendered from now on use it.
        </p>
      )}
      <p>
        <button type="submit" class="button" disabled={busy} data-testid="template-save">
          {busy ? 'Checking…' : 'Save'}
        </button>{' '}
        <button type="button" class="button secondary" onClick={onClose}>
          Close
        </button>
      </p>
    </form>
  );
}
