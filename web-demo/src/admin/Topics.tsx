import { useEffect, useState } from 'preact/hooks';
import {
  adminTopicsOp,
  createTopicOp,
  reorderTopicsOp,
  updateTopicOp,
  type AdminTopic,
  type AdminTopicsData,
} from '../api/communityOperations';
import { describeCommunityError, moveTopic } from '../community';
import { ErrorNotice, Spinner } from '../components/common';
import { mutate, query } from './api';

/** Topics lists the community's topics in their order: create, edit, move up or down. */
export function Topics() {
  const [topics, setTopics] = useState<AdminTopic[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);

  useEffect(() => {
    setLoadError(null);
    query<AdminTopicsData, Record<string, never>>(adminTopicsOp, {}).then(
      (d) => setTopics(d.topics),
      (err: unknown) => setLoadError(describeCommunityError(err)),
    );
  }, [attempt]);

  const run = async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(describeCommunityError(err));
    }
  };
  const move = (i: number, delta: number) =>
    run(async () => {
      const ids = moveTopic(topics!.map((t) => t.id), i, delta);
      const d = await mutate<{ reorderTopics: { topics: AdminTopic[] } }, { input: { topicIds: string[] } }>(reorderTopicsOp, {
        input: { topicIds: ids },
      });
      setTopics(d.reorderTopics.topics);
    });

  return (
    <section data-testid="topics-admin">
      <h1 class="title">Topics</h1>
      {error && (
        <p class="notice notice-error" role="alert" data-testid="topics-error">
          {error}
        </p>
      )}
      {loadError && <ErrorNotice message={loadError} onRetry={() => setAttempt((n) => n + 1)} />}
      {!topics && !loadError && <Spinner label="Loading topics…" />}
      {topics && (
        <ol class="admin-list">
          {topics.map((t, i) => (
            <li key={t.id} class="card admin-item" data-testid="topic-row" data-slug={t.slug}>
              {editing === t.id ? (
                <TopicForm
                  initial={t}
                  onCancel={() => setEditing(null)}
                  onSave={(v) =>
                    run(async () => {
                      const d = await mutate<{ updateTopic: { topic: AdminTopic } }, { input: Record<string, string> }>(updateTopicOp, {
                        input: { topicId: t.id, ...v },
                      });
                      setTopics((ts) => ts!.map((x) => (x.id === t.id ? d.updateTopic.topic : x)));
                      setEditing(null);
                    })
                  }
                />
              ) : (
                <div class="admin-item-head">
                  <strong>{t.name}</strong>
                  <code class="small">{t.slug}</code>
                  <span class="muted small grow">{t.description}</span>
                  <button type="button" class="link" aria-label={`Move ${t.name} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                    ↑
                  </button>
                  <button type="button" class="link" aria-label={`Move ${t.name} down`} disabled={i === topics.length - 1} onClick={() => move(i, 1)}>
                    ↓
                  </button>
                  <button type="button" class="link" onClick={() => setEditing(t.id)}>
                    Edit
                  </button>
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
      <h2 class="subtitle">New topic</h2>
      <TopicForm
        key={topics?.length ?? 0}
        onSave={(v) =>
          run(async () => {
            const d = await mutate<{ createTopic: { topic: AdminTopic } }, { input: typeof v }>(createTopicOp, { input: v });
            setTopics((ts) => [...(ts ?? []), d.createTopic.topic]);
          })
        }
      />
    </section>
  );
}

function TopicForm({
  initial,
  onSave,
  onCancel,
}: {
  initial?: AdminTopic;
  onSave: (v: { slug: string; name: string; description: string }) => void;
  onCancel?: () => void;
}) {
  const [slug, setSlug] = useState(initial?.slug ?? '');
  const [name, setName] = useState(initial?.name ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  return (
    <form
      class="admin-actions topic-form"
      data-testid="topic-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSave({ slug: slug.trim(), name: name.trim(), description: description.trim() });
      }}
    >
      <input placeholder="Name, e.g. Styling" value={name} maxLength={80} onInput={(e) => setName(e.currentTarget.value)} aria-label="Name" />
      <input placeholder="slug, e.g. styling" value={slug} maxLength={60} onInput={(e) => setSlug(e.currentTarget.value)} aria-label="Slug" />
      <input
        class="grow"
        placeholder="What belongs in it"
        value={description}
        maxLength={500}
        onInput={(e) => setDescription(e.currentTarget.value)}
        aria-label="Description"
      />
      <button type="submit" class="button" disabled={!name.trim() || !slug.trim()}>
        {initial ? 'Save' : 'Add topic'}
      </button>
      {onCancel && (
        <button type="button" class="link" onClick={onCancel}>
          Cancel
        </button>
      )}
    </form>
  );
}
