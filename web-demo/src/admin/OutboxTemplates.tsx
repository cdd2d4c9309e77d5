import { useEffect, useState } from 'preact/hooks';
import { describeError, errorCode, errorExtensions } from '../api/errors';
import { ErrorNotice, Spinner } from '../components/common';
import { mutate, query } from './api';
import { PreviewParts } from './CampaignDetail';
import {
  kindLabel,
  messageKinds,
  messageTemplateOp,
  previewMessageTemplateOp,
  previewOrderList,
  previewOrdersOp,
  saveMessageTemplateOp,
  templateProblem,
  type MessageKind,
  type MessageTemplateData,
  type MessagePreview,
  type PreviewMessageTemplateData,
  type PreviewOrder,
  type PreviewOrdersData,
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
 * an unknown variable, naming the part) is shown as it said it, at the
 * part it names. **Preview** renders the edited template, unsaved, with
 * a chosen order's variables (previewMessageTemplate).
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

/** A refusal in words, at the part (subject, html, text, order) the server named, if any. */
interface EditorProblem {
  field: string | null;
  message: string;
}

/** editorProblem says why the server refused a template (or its preview). */
function editorProblem(err: unknown): EditorProblem {
  const x = errorExtensions(err);
  if (x && x.extensions.code === 'INVALID_INPUT') {
    const field = typeof x.extensions.field === 'string' ? x.extensions.field : null;
    return { field, message: templateProblem(x.message, field) };
  }
  if (x && x.extensions.code === 'NOT_FOUND') {
    return { field: 'order', message: 'That order no longer exists: choose another.' };
  }
  return { field: null, message: describeError(err) };
}

const partFields = ['subject', 'html', 'text', 'order'];

function TemplateEditor({ t, onSaved, onClose }: { t: TemplateSource; onSaved: (t: TemplateSource) => void; onClose: () => void }) {
  const [subject, setSubject] = useState(t.subject);
  const [html, setHtml] = useState(t.html);
  const [text, setText] = useState(t.text);
  const [busy, setBusy] = useState<'save' | 'preview' | null>(null);
  const [problem, setProblem] = useState<EditorProblem | null>(null);
  const [done, setDone] = useState(false);
  const [orderNumber, setOrderNumber] = useState('');
  const [orders, setOrders] = useState<PreviewOrder[]>([]);
  const [preview, setPreview] = useState<MessagePreview | null>(null);

  // The newest orders, to pick one from; typing any number works too.
  useEffect(() => {
    let cancelled = false;
    query<PreviewOrdersData, { number: string | null }>(previewOrdersOp, { number: null }).then(
      (d) => {
        if (!cancelled) {
          const list = previewOrderList(d);
          setOrders(list);
          setOrderNumber((n) => n || list[0]?.number || '');
        }
      },
      () => {
        /* the picker stays empty; the number box still works, and Preview says what fails */
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy('save');
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
      setProblem(editorProblem(err));
    } finally {
      setBusy(null);
    }
  };
  const showPreview = async () => {
    setProblem(null);
    setDone(false);
    setPreview(null);
    const number = orderNumber.trim();
    if (!number) {
      setProblem({ field: 'order', message: 'Choose an order to preview the template with.' });
      return;
    }
    setBusy('preview');
    try {
      const found = previewOrderList(await query<PreviewOrdersData, { number: string }>(previewOrdersOp, { number }));
      if (!found.length) {
        setProblem({ field: 'order', message: `There is no order ${number}.` });
        return;
      }
      const d = await query<PreviewMessageTemplateData, { input: object }>(previewMessageTemplateOp, {
        input: { kind: t.kind, channel: t.channel, subject, html, text, orderId: found[0].id },
      });
      setPreview(d.previewMessageTemplate);
    } catch (err) {
      setProblem(editorProblem(err));
    } finally {
      setBusy(null);
    }
  };
  const at = (field: string) =>
    problem?.field === field ? (
      <span class="field-error" role="alert" data-testid={`template-problem-${field}`}>
        {problem.message}
      </span>
    ) : null;

  return (
    <form class="template-editor" onSubmit={(e) => void save(e)} data-testid="template-editor">
      <label>
        Subject
        <input type="text" value={subject} onInput={(e) => setSubject((e.target as HTMLInputElement).value)} data-testid="template-subject" />
        {at('subject')}
      </label>
      <label>
        HTML part
        <textarea rows={14} value={html} onInput={(e) => setHtml((e.target as HTMLTextAreaElement).value)} data-testid="template-html" />
        {at('html')}
      </label>
      <label>
        Plain-text part
        <textarea rows={10} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} data-testid="template-text" />
        {at('text')}
      </label>
      <label>
        Preview with order{' '}
        <input
          type="text"
          list={`preview-orders-${t.kind}`}
          value={orderNumber}
          placeholder="Order number, e.g. AC-1001"
          onInput={(e) => setOrderNumber((e.target as HTMLInputElement).value)}
          data-testid="template-order"
        />
        <datalist id={`preview-orders-${t.kind}`}>
          {orders.map((o) => (
            <option key={o.id} value={o.number}>
              {o.customer.email}
            </option>
          ))}
        </datalist>
        {at('order')}
      </label>
      {problem && !partFields.includes(problem.field ?? '') && (
        <p class="field-error" role="alert" data-testid="template-problem">
          {problem.message}
        </p>
      )}
      {done && (
        <p role="status" data-testid="template-saved">
          Saved. Messages rendered from now on use it.
        </p>
      )}
      <p>
        <button type="submit" class="button" disabled={busy !== null} data-testid="template-save">
          {busy === 'save' ? 'Checking…' : 'Save'}
        </button>{' '}
        <button type="button" class="button secondary" disabled={busy !== null} onClick={() => void showPreview()} data-testid="template-preview">
          {busy === 'preview' ? 'Rendering…' : 'Preview'}
        </button>{' '}
        <button type="button" class="button secondary" onClick={onClose}>
          Close
        </button>
      </p>
      {preview && <PreviewParts preview={preview} testid="template-preview-result" caption={`As order ${orderNumber.trim()}'s customer would get it now (not saved, nothing sent)`} />}
    </form>
  );
}
