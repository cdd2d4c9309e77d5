import { useEffect, useState } from 'preact/hooks';
import {
  addWatchedWordOp,
  nodes,
  removeWatchedWordOp,
  watchedWordsOp,
  type WatchedWord,
  type WatchedWordAction,
  type WatchedWordsData,
} from '../api/communityOperations';
import { describeCommunityError, wordActionText } from '../community';
import { ErrorNotice, Spinner } from '../components/common';
import { mutate, query } from './api';

const actions: WatchedWordAction[] = ['BLOCK', 'REQUIRE_APPROVAL', 'FLAG'];

/**
 * WatchedWords lists the words checked in reviews and posts, each with what
 * it does, adds one (adding a word again changes its action) and removes
 * one. CENSOR joins the actions when community2's schema lands.
 */
export function WatchedWords() {
  const [words, setWords] = useState<WatchedWord[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [word, setWord] = useState('');
  const [action, setAction] = useState<WatchedWordAction>('REQUIRE_APPROVAL');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setLoadError(null);
    query<WatchedWordsData, Record<string, never>>(watchedWordsOp, {}).then(
      (d) => setWords(nodes(d.watchedWords.edges)),
      (err: unknown) => setLoadError(describeCommunityError(err)),
    );
  }, [attempt]);

  const add = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const d = await mutate<{ addWatchedWord: { watchedWord: WatchedWord } }, { input: { word: string; action: WatchedWordAction } }>(
        addWatchedWordOp,
        { input: { word, action } },
      );
      const w = d.addWatchedWord.watchedWord;
      setWords((ws) => [...(ws ?? []).filter((x) => x.id !== w.id), w]);
      setWord('');
    } catch (err) {
      setError(describeCommunityError(err));
    }
  };
  const remove = async (id: string) => {
    setError(null);
    try {
      await mutate(removeWatchedWordOp, { input: { id } });
      setWords((ws) => (ws ?? []).filter((x) => x.id !== id));
    } catch (err) {
      setError(describeCommunityError(err));
    }
  };

  return (
    <section data-testid="watched-words">
      <h1 class="title">Watched words</h1>
      <p class="muted">Checked in every review and post when it is written or edited, whole words, any case.</p>
      <form class="admin-actions" onSubmit={add}>
        <input data-testid="word-input" placeholder="A word or phrase" value={word} maxLength={100} onInput={(e) => setWord(e.currentTarget.value)} />
        <select data-testid="word-action" value={action} onChange={(e) => setAction(e.currentTarget.value as WatchedWordAction)}>
          {actions.map((a) => (
            <option key={a} value={a}>
              {wordActionText(a)}
            </option>
          ))}
        </select>
        <button type="submit" class="button" data-testid="add-word" disabled={!word.trim()}>
          Add
        </button>
      </form>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {loadError && <ErrorNotice message={loadError} onRetry={() => setAttempt((n) => n + 1)} />}
      {!words && !loadError && <Spinner label="Loading watched words…" />}
      {words &&
        (words.length === 0 ? (
          <div class="empty">
            <p>No watched words yet.</p>
          </div>
        ) : (
          <table class="admin-table">
            <thead>
              <tr>
                <th>Word</th>
                <th>What it does</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {words.map((w) => (
                <tr key={w.id} data-testid="word">
                  <td>
                    <code>{w.word}</code>
                  </td>
                  <td>{wordActionText(w.action)}</td>
                  <td>
                    <button type="button" class="link" onClick={() => remove(w.id)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
