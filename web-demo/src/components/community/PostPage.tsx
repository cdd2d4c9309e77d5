import { useEffect, useState } from 'preact/hooks';
import { query } from '../../api/client';
import {
  nodes,
  postPageOp,
  postTalkOp,
  type Comment,
  type CommentChange,
  type PostChange,
  type PostPageData,
  type PostTalkData,
  type Post,
  type Reactions as Counts,
} from '../../api/communityOperations';
import { describeCommunityError } from '../../community';
import { appendComments, applyCommentChange, isOwn, threadSize } from '../../communityTalk';
import { useCommentFeed } from '../../live/useCommentFeed';
import { usePostFeed } from '../../live/usePostFeed';
import { combineStates } from '../../live/useReplyFeeds';
import { communityHref } from '../../router';
import { ErrorNotice, Spinner } from '../common';
import { LiveBanner } from '../LiveBanner';
import { Comments } from './Comments';
import { FlagButton } from './FlagForm';
import { PostCard } from './PostCard';
import { Reactions } from './Reactions';
import { useViewer } from './useViewer';
import './talk.css';

/** Talk is the post's conversation as loaded: the thread, its next page, the reactions. */
type Talk = { thread: Comment[]; endCursor: string | null; more: boolean; counts: Counts; feedCursor: string | null };

type State =
  | { status: 'loading' }
  | { status: 'failed'; error: string }
  | { status: 'missing' }
  | { status: 'removed' }
  | { status: 'done'; post: Post; talk: Talk };

async function fetchTalk(id: string, after: string | null): Promise<Talk | null> {
  const d = await query<PostTalkData, { id: string; after: string | null }>(postTalkOp, { id, after });
  const n = d.node;
  if (!n?.comments) {
    return null;
  }
  return {
    thread: nodes(n.comments.edges),
    endCursor: n.comments.pageInfo.endCursor,
    more: n.comments.pageInfo.hasNextPage,
    counts: { reactionCounts: n.reactionCounts, viewerReactions: n.viewerReactions },
    feedCursor: n.comments.feedCursor ?? null,
  };
}

/**
 * PostPage is one post: the post in full, its reactions, and its comments
 * with their replies, all live: new comments appear as they are written
 * (commentAdded), the post is replaced when edited and disappears at once
 * when hidden or deleted (postChanged on its topic). Another customer's
 * post that is not published is "not found", exactly as one that never
 * existed; the author's own waiting post shows with its status, and takes
 * comments once approved.
 */
export function PostPage({ id }: { id: string }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [generation, setGeneration] = useState(0);
  const [moreError, setMoreError] = useState<string | null>(null);
  const { viewer, refresh } = useViewer();

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    Promise.all([query<PostPageData, { id: string }>(postPageOp, { id }), fetchTalk(id, null)]).then(
      ([d, talk]) => {
        if (cancelled) {
          return;
        }
        setState(d.node?.id && talk ? { status: 'done', post: d.node as Post, talk } : { status: 'missing' });
        setGeneration((g) => g + 1);
      },
      (err: unknown) => !cancelled && setState({ status: 'failed', error: describeCommunityError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [id, attempt]);

  const done = state.status === 'done' ? state : null;
  const setTalk = (f: (t: Talk) => Talk) => setState((s) => (s.status === 'done' ? { ...s, talk: f(s.talk) } : s));

  const onPost = (c: PostChange) => {
    if (c.postId !== id) {
      return;
    }
    if (c.kind === 'REMOVED' || !c.post) {
      // Hidden, rejected or deleted: drop everything of it at once.
      setState({ status: 'removed' });
      return;
    }
    const post = c.post;
    setState((s) => (s.status === 'done' ? { ...s, post } : s));
  };
  const resyncPost = async () => {
    const d = await query<PostPageData, { id: string }>(postPageOp, { id });
    setState((s) => (s.status !== 'done' ? s : d.node?.id ? { ...s, post: d.node as Post } : { status: 'removed' }));
  };
  const postLive = usePostFeed(done?.post.topic.slug ?? null, done ? null : undefined, generation, onPost, resyncPost);

  const onComment = (c: CommentChange) => setTalk((t) => ({ ...t, thread: applyCommentChange(t.thread, { kind: c.kind, id: c.commentId, item: c.comment }) }));
  const resyncComments = async () => {
    const fresh = await fetchTalk(id, null);
    if (fresh) {
      setTalk((t) => ({ ...fresh, thread: fresh.more ? appendComments(fresh.thread, t.thread) : fresh.thread }));
    }
  };
  const published = done?.post.status === 'PUBLISHED';
  const commentLive = useCommentFeed(published ? id : null, done ? done.talk.feedCursor : undefined, onComment, resyncComments);

  const loadMore = async () => {
    if (!done) {
      return;
    }
    setMoreError(null);
    try {
      const next = await fetchTalk(id, done.talk.endCursor);
      if (next) {
        setTalk((t) => ({ ...t, thread: appendComments(t.thread, next.thread), endCursor: next.endCursor, more: next.more }));
      }
    } catch (err) {
      setMoreError(describeCommunityError(err));
    }
  };

  const back = (
    <a class="back" href={done ? communityHref(done.post.topic.slug) : communityHref()}>
      ← {done ? done.post.topic.name : 'Community'}
    </a>
  );
  if (state.status === 'loading') {
    return <Spinner label="Loading the post…" />;
  }
  if (state.status === 'removed') {
    return (
      <>
        {back}
        <div class="empty" data-testid="post-removed" role="status">
          <p>This post was just removed: it is no longer visible.</p>
          <a href={communityHref()}>See the other posts</a>
        </div>
      </>
    );
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
  const { post, talk } = state;
  const own = post.status !== 'PUBLISHED' || isOwn(post);
  const live = published ? combineStates([postLive.state, commentLive.state]) : postLive.state;
  const shown = { ...post, commentCount: threadSize(talk.thread), reactionCounts: talk.counts.reactionCounts };
  return (
    <article data-testid="post-page" data-post-id={post.id}>
      {back}
      <LiveBanner state={live} onRetry={() => [postLive, commentLive].forEach((l) => l.retry())} />
      <PostCard post={shown} own={post.status !== 'PUBLISHED'} linked={false} />
      {published && (
        <div class="post-actions">
          <Reactions postId={post.id} counts={talk.counts} onChange={(counts) => setTalk((t) => ({ ...t, counts }))} />
          {!own && <FlagButton itemId={post.id} what="post" />}
        </div>
      )}
      <section class="card" data-testid="comments" aria-label="Comments">
        <h2 class="subtitle">Comments</h2>
        <Comments
          postId={post.id}
          thread={talk.thread}
          viewer={viewer}
          open={published}
          onWritten={(c) => setTalk((t) => ({ ...t, thread: applyCommentChange(t.thread, { kind: 'ADDED', id: c.id, item: c }) }))}
          onSilenced={refresh}
        />
        {moreError && <ErrorNotice message={moreError} />}
        {talk.more && (
          <button type="button" class="button button-secondary wide" data-testid="load-more-comments" onClick={loadMore}>
            Load more comments
          </button>
        )}
      </section>
    </article>
  );
}
