import { useEffect, useState } from 'preact/hooks';
import { session } from '../api/client';
import { describeError } from '../api/errors';
import type { SessionState } from '../api/session';
import { useRoute } from '../router';
import { ErrorNotice, Spinner } from './common';
import { OrderDetail } from './OrderDetail';
import { OrderList } from './OrderList';
import { ProductReviews } from './ProductReviews';
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
  } else {
    body = <OrderList />;
  }

  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/">
          aftercart
        </a>
        {state.status === 'signed-in' && (
          <span class="whoami">
            {state.session.email ?? 'Signed in'}
            {state.session.source === 'pasted' && (
              <button type="button" class="link" onClick={() => session.signOut()}>
                Sign out
              </button>
            )}
          </span>
        )}
      </header>
      <main class="page">{body}</main>
    </>
  );
}
