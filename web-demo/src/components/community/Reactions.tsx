import { useState } from 'preact/hooks';
import { mutate } from '../../api/client';
import { reactOp, unreactOp, type ReactData, type ReactionKind, type Reactions as Counts, type UnreactData } from '../../api/communityOperations';
import { countOf, describeTalkError, reactionKinds, reactionLabel } from '../../communityTalk';

/**
 * Reactions is a post's reaction bar: one toggle per kind with its count,
 * pressed for the viewer's own (viewerReactions); pressing leaves the
 * reaction (react), pressing again takes it back (unreact). The counts
 * shown are the server's answer, never a guess.
 */
export function Reactions({ postId, counts, onChange }: { postId: string; counts: Counts; onChange: (c: Counts) => void }) {
  const [busy, setBusy] = useState<ReactionKind | null>(null);
  const [error, setError] = useState<string | null>(null);

  const toggle = async (kind: ReactionKind) => {
    const mine = counts.viewerReactions.includes(kind);
    setBusy(kind);
    setError(null);
    try {
      const input = { postId, kind };
      const post = mine
        ? (await mutate<UnreactData, { input: typeof input }>(unreactOp, { input })).unreact.post
        : (await mutate<ReactData, { input: typeof input }>(reactOp, { input })).react.post;
      onChange({ reactionCounts: post.reactionCounts, viewerReactions: post.viewerReactions });
    } catch (err) {
      setError(describeTalkError(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="reactions" data-testid="reactions">
      {reactionKinds.map((kind) => {
        const label = reactionLabel(kind);
        const n = countOf(counts.reactionCounts, kind);
        const mine = counts.viewerReactions.includes(kind);
        return (
          <button
            key={kind}
            type="button"
            class={`reaction${mine ? ' on' : ''}`}
            aria-pressed={mine}
            aria-label={`${label}: ${n}${mine ? ', yours' : ''}`}
            disabled={busy !== null}
            data-testid={`react-${kind}`}
            data-count={n}
            onClick={() => toggle(kind)}
          >
            {label} <span class="reaction-count">{n}</span>
          </button>
        );
      })}
      {error && (
        <p class="notice notice-error" role="alert" data-testid="react-error">
          {error}
        </p>
      )}
    </div>
  );
}
