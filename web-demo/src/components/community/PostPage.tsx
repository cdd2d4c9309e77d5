import { useEffect, useState } from 'preact/hooks';
import { query } from '../../api/client';
import { postPageOp, type Post, type PostPageData } from '../../api/communityOperations';
import { describeCommunityError } from '../../community';
import { features } from '../../features';
import { communityHref } from '../../router';
import { ErrorNotice, Spinner } from '../common';
import { PostCard } from './PostCard';

type State = { status: 'loading' } | { status: 'failed'; error: string } | { status: 'missing' } | { status: 'done'; post: Post };

/**
 * PostPage is one post: the post in full and, when the server has them
 * (features.communityTalk), its comments. Another customer's post that is
 * not published is "not found", exactly as one that never existed; the
 * author's own waiting post shows with its status.
 */
export function PostPage({ id }: { id: string }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    query<PostPageData, { id: string }>(postPageOp, { id }).then(
      (d) => !cancelled && setState(d.node?.id ? { status: 'done', post: d.node as Post } : { status: 'missing' }),
      (err: unknown) => !cancelled && setState({ status: 'failed', error: describeCommunityError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [id, attempt]);

  const back = (
    <a class="back" href={state.status === 'done' ? communityHref(state.post.topic.slug) : communityHref()}>
      ← {state.status === 'done' ? state.post.topic.name : 'Community'}
    </a>
  );
  if (state.status === 'loading') {
    return <Spinner label="Loading the post…" />;
  }
  if (state.status !== 'done') {
    return (
      <>
        {back}
        <ErrorNotice
          message={state.status === 'missing' ? 'This post is not available: it may have been removed.' : state.error}
          onRetry={state.status === 'failed' ? () => setAttempt((n) => n + 1) : undefined}
        />
      </>
    );
  }
  return (
    <article data-testid="post-page">
      {back}
      <PostCard post={state.post} own={state.post.status !== 'PUBLISHED'} linked={false} />
      <section class="card" data-testid="comments">
        <h2 class="subtitle">Comments</h2>
        {features.communityTalk ? null : <p class="muted small">Comments and reactions open here soon.</p>}
      </section>
    </article>
  );
}
