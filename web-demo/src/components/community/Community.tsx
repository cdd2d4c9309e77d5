import { useEffect, useState } from 'preact/hooks';
import { query } from '../../api/client';
import { feedOp, nodes, topicsOp, type FeedData, type Post, type PostChange, type Topic, type TopicsData } from '../../api/communityOperations';
import { appendPosts, describeCommunityError, feedEmptyText, postedText, prependPosts } from '../../community';
import { applyPostChange, mergeFirstPage } from '../../communityTalk';
import { usePostFeed } from '../../live/usePostFeed';
import { communityHref, myPostsHref, ordersHref } from '../../router';
import { ErrorNotice, Spinner } from '../common';
import { LiveBanner } from '../LiveBanner';
import { PostCard } from './PostCard';
import { PostComposer } from './PostComposer';

/** Feed is the posts on screen; feedCursor is where the live feed starts (the read's position, when the server tells it). */
type Feed = { posts: Post[]; endCursor: string | null; more: boolean; feedCursor: string | null };

type State =
  | { status: 'loading' }
  | { status: 'failed'; error: string }
  | { status: 'done'; topics: Topic[]; feed: Feed };

async function fetchFeed(topic: string | null, after: string | null): Promise<Feed> {
  const d = await query<FeedData, { topic: string | null; after: string | null }>(feedOp, { topic, after });
  return {
    posts: nodes(d.posts.edges),
    endCursor: d.posts.pageInfo.endCursor,
    more: d.posts.pageInfo.hasNextPage,
    feedCursor: d.posts.feedCursor ?? null,
  };
}

/**
 * Community is the community page: the topics as tabs, the feed of one
 * topic or of all (newest first, twenty at a time: "Load more posts"
 * follows the connection's cursor), live (postChanged: a post that becomes
 * visible appears where it belongs, an edited one is replaced, a hidden or
 * deleted one disappears at once), and a form to post. A post that waits
 * for approval is not in the feed: its author sees it above the feed,
 * "Waiting for approval" (until it is approved, live), and in My posts.
 */
export function Community({ topic }: { topic: string | null }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [writing, setWriting] = useState(false);
  const [mine, setMine] = useState<Post[]>([]);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    Promise.all([query<TopicsData, Record<string, never>>(topicsOp, {}), fetchFeed(topic, null)]).then(
      ([t, feed]) => {
        if (!cancelled) {
          setState({ status: 'done', topics: t.topics, feed });
          setGeneration((g) => g + 1);
        }
      },
      (err: unknown) => !cancelled && setState({ status: 'failed', error: describeCommunityError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [topic, attempt]);

  const addFresh = (posts: Post[]) => {
    setFresh((f) => new Set([...f, ...posts.map((p) => p.id)]));
    setState((s) => (s.status === 'done' ? { ...s, feed: { ...s.feed, posts: prependPosts(s.feed.posts, posts) } } : s));
  };
  const onChange = (c: PostChange) => {
    if (c.kind === 'ADDED' && c.post) {
      const added = c.post;
      setFresh((f) => new Set([...f, added.id]));
      // The author's own waiting post, approved: its notice says so.
      setMine((m) => m.map((p) => (p.id === added.id ? added : p)));
    }
    setState((s) =>
      s.status === 'done'
        ? { ...s, feed: { ...s.feed, posts: applyPostChange(s.feed.posts, { kind: c.kind, id: c.postId, item: c.post }, s.feed.more) } }
        : s,
    );
  };
  const resync = async () => {
    const first = await fetchFeed(topic, null);
    setState((s) => (s.status === 'done' ? { ...s, feed: { ...s.feed, posts: mergeFirstPage(s.feed.posts, first.posts, first.more) } } : s));
  };
  const live = usePostFeed(topic, state.status === 'done' ? state.feed.feedCursor : undefined, generation, onChange, resync);

  const loadMore = async () => {
    if (state.status !== 'done') {
      return;
    }
    setLoadingMore(true);
    setMoreError(null);
    try {
      const next = await fetchFeed(topic, state.feed.endCursor);
      setState((s) =>
        s.status === 'done'
          ? { ...s, feed: { ...s.feed, posts: appendPosts(s.feed.posts, next.posts), endCursor: next.endCursor, more: next.more } }
          : s,
      );
    } catch (err) {
      setMoreError(describeCommunityError(err));
    } finally {
      setLoadingMore(false);
    }
  };

  if (state.status === 'loading') {
    return <Spinner label="Loading the community…" />;
  }
  if (state.status === 'failed') {
    return (
      <>
        <a class="back" href={ordersHref}>
          ← All orders
        </a>
        <ErrorNotice message={state.error} onRetry={() => setAttempt((n) => n + 1)} />
      </>
    );
  }
  const { topics, feed } = state;
  const current = topics.find((t) => t.slug === topic) ?? null;
  if (topic && !current) {
    return (
      <>
        <TopicTabs topics={topics} current={null} />
        <div class="empty" data-testid="unknown-topic">
          <p>There is no such topic.</p>
          <a href={communityHref()}>See all posts</a>
        </div>
      </>
    );
  }
  return (
    <article data-testid="community" data-topic={topic ?? ''}>
      <div class="detail-head">
        <h1 class="title">{current ? current.name : 'Community'}</h1>
        <a class="small" href={myPostsHref} data-testid="my-posts-link">
          My posts
        </a>
      </div>
      <p class="muted">{current ? current.description : 'What other Northwind customers unbox, brew and share.'}</p>
      <TopicTabs topics={topics} current={topic} />
      {writing ? (
        <PostComposer
          topics={topics}
          topic={topic}
          onCancel={() => setWriting(false)}
          onPosted={(p) => {
            setWriting(false);
            setMine((m) => [p, ...m]);
            if (p.status === 'PUBLISHED' && (!topic || p.topic.slug === topic)) {
              addFresh([p]);
            }
          }}
        />
      ) : (
        <button type="button" class="button wide" data-testid="write-post" onClick={() => setWriting(true)}>
          Write a post
        </button>
      )}
      {mine.map((p) => (
        <div key={p.id} class="posted" data-testid="just-posted" data-status={p.status}>
          <p class={`notice ${p.status === 'PUBLISHED' ? 'notice-good' : 'notice-wait'}`} role="status" data-testid="posted-notice">
            {postedText(p)}
          </p>
          {p.status !== 'PUBLISHED' && <PostCard post={p} own />}
        </div>
      ))}
      <LiveBanner state={live.state} onRetry={live.retry} />
      {feed.posts.length === 0 ? (
        <div class="empty" data-testid="no-posts">
          <p>{feedEmptyText(current?.name ?? null)}</p>
        </div>
      ) : (
        <ul class="cards" data-testid="post-list">
          {feed.posts.map((p) => (
            <li key={p.id}>
              <PostCard post={p} fresh={fresh.has(p.id)} />
            </li>
          ))}
        </ul>
      )}
      {moreError && <ErrorNotice message={moreError} />}
      {feed.more && (
        <button type="button" class="button button-secondary wide" data-testid="load-more" disabled={loadingMore} onClick={loadMore}>
          {loadingMore ? 'Loading…' : 'Load more posts'}
        </button>
      )}
    </article>
  );
}

/** TopicTabs lists the topics as links, the current one marked. */
export function TopicTabs({ topics, current }: { topics: Topic[]; current: string | null }) {
  return (
    <nav class="tabs" aria-label="Topics" data-testid="topics">
      <a href={communityHref()} class={current === null ? 'tab on' : 'tab'} aria-current={current === null ? 'page' : undefined}>
        All
      </a>
      {topics.map((t) => (
        <a
          key={t.slug}
          href={communityHref(t.slug)}
          class={current === t.slug ? 'tab on' : 'tab'}
          aria-current={current === t.slug ? 'page' : undefined}
          data-testid="topic-tab"
          data-slug={t.slug}
        >
          {t.name}
        </a>
      ))}
    </nav>
  );
}
