import { useEffect, useState } from 'preact/hooks';
import { query } from '../../api/client';
import { myPostsOp, nodes, type MyPostsData, type Post } from '../../api/communityOperations';
import { appendPosts, describeCommunityError, feedEmptyText } from '../../community';
import { communityHref } from '../../router';
import { ErrorNotice, Spinner } from '../common';
import { PostCard } from './PostCard';

type State =
  | { status: 'loading' }
  | { status: 'failed'; error: string }
  | { status: 'done'; posts: Post[]; endCursor: string | null; more: boolean };

/**
 * MyPosts is the customer's own posts in every state, newest first, each
 * with where it stands in words ("Waiting for approval", "Hidden by the
 * store: …").
 */
export function MyPosts() {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);

  const fetchPage = async (after: string | null) => {
    const d = await query<MyPostsData, { after: string | null }>(myPostsOp, { after });
    return { posts: nodes(d.myPosts.edges), endCursor: d.myPosts.pageInfo.endCursor, more: d.myPosts.pageInfo.hasNextPage };
  };

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    fetchPage(null).then(
      (p) => !cancelled && setState({ status: 'done', ...p }),
      (err: unknown) => !cancelled && setState({ status: 'failed', error: describeCommunityError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  const back = (
    <a class="back" href={communityHref()}>
      ← Community
    </a>
  );
  if (state.status === 'loading') {
    return <Spinner label="Loading your posts…" />;
  }
  if (state.status === 'failed') {
    return (
      <>
        {back}
        <ErrorNotice message={state.error} onRetry={() => setAttempt((n) => n + 1)} />
      </>
    );
  }
  const loadMore = async () => {
    setLoadingMore(true);
    setMoreError(null);
    try {
      const next = await fetchPage(state.endCursor);
      setState((s) => (s.status === 'done' ? { status: 'done', posts: appendPosts(s.posts, next.posts), endCursor: next.endCursor, more: next.more } : s));
    } catch (err) {
      setMoreError(describeCommunityError(err));
    } finally {
      setLoadingMore(false);
    }
  };
  return (
    <article data-testid="my-posts">
      {back}
      <h1 class="title">My posts</h1>
      {state.posts.length === 0 ? (
        <div class="empty" data-testid="no-posts">
          <p>{feedEmptyText(null, true)}</p>
          <a href={communityHref()}>Go to the community</a>
        </div>
      ) : (
        <ul class="cards">
          {state.posts.map((p) => (
            <li key={p.id}>
              <PostCard post={p} own />
            </li>
          ))}
        </ul>
      )}
      {moreError && <ErrorNotice message={moreError} />}
      {state.more && (
        <button type="button" class="button button-secondary wide" data-testid="load-more" disabled={loadingMore} onClick={loadMore}>
          {loadingMore ? 'Loading…' : 'Load more posts'}
        </button>
      )}
    </article>
  );
}
