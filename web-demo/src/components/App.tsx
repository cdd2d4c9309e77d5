import { useEffect, useState } from 'preact/hooks';
import { session } from '../api/client';
import { describeError } from '../api/errors';
import type { SessionState } from '../api/session';
import { communityHref, rewardsHref, useRoute } from '../router';
import { ErrorNotice, Spinner } from './common';
import { Community } from './community/Community';
import { MyPosts } from './community/MyPosts';
import { NotificationBell } from './notifications/NotificationBell';
import { PostPage } from './community/PostPage';
import { OrderDetail } from './OrderDetail';
import { OrderList } from './OrderList';
import { ProductReviews } from './ProductReviews';
import { Rewards } from './rewards/Rewards';
import { SignIn } from './SignIn';

/** App signs the shopper in, then shows the screen the URL's hash names. */
export function App() {
  const [state, setState] = useState<SessionState>(session.current);
  const [startError, setStartError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const route = useRoute();

  useEffect(() => session.subscribe(setState), []);
  useEffect(() => {
    setStartError(null);
    session.start().catch((err: unknown) => setStartError(describeError(err)));
  }, [attempt]);

  let body;
  if (startError) {
    body = <ErrorNotice message={startError} onRetry={() => setAttempt((n) => n + 1)} />;
  } else if (state.status === 'loading') {
    body = <Spinner label="Signing in…" />;
  } else if (state.status === 'signed-out') {
    body = <SignIn reason={state.reason} onSignIn={(token) => session.signIn(token)} />;
  } else if (route.name === 'order') {
    body = <OrderDetail key={route.number} number={route.number} />;
  } else if (route.name === 'product') {
    body = <ProductReviews key={route.id} productId={route.id} />;
  } else if (route.name === 'community') {
    body = <Community key={route.topic ?? ''} topic={route.topic} />;
  } else if (route.name === 'post') {
    body = <PostPage key={route.id} id={route.id} />;
  } else if (route.name === 'myPosts') {
    body = <MyPosts />;
  } else if (route.name === 'rewards') {
    body = <Rewards />;
  } else {
    body = <OrderList />;
  }

  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/">
          aftercart
        </a>
        <nav class="topnav">
          <a href="#/" class={route.name === 'orders' || route.name === 'order' ? 'on' : ''}>
            Orders
          </a>
          <a href={communityHref()} data-testid="nav-community" class={route.name === 'community' || route.name === 'post' || route.name === 'myPosts' ? 'on' : ''}>
            Community
          </a>
          <a href={rewardsHref} data-testid="nav-rewards" class={route.name === 'rewards' ? 'on' : ''}>
            Rewards
          </a>
        </nav>
        {state.status === 'signed-in' && <NotificationBell key={state.session.email ?? state.session.token} />}
        {state.status === 'signed-in' && (
          <span class="whoami" data-testid="whoami">
            {state.session.email ?? 'Signed in'}
            {/* In development the page signs in as the demo customer; another customer pastes their token. */}
            <button type="button" class="link" data-testid="sign-out" onClick={() => session.signOut()}>
              {state.session.source === 'pasted' ? 'Sign out' : 'Switch'}
            </button>
          </span>
        )}
      </header>
      <main class="page">{body}</main>
    </>
  );
}
