import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../api/errors';
import type { SessionState } from '../api/session';
import { ErrorNotice, Spinner } from '../components/common';
import { SignIn } from '../components/SignIn';
import { session } from './api';
import { Silenced } from './Author';
import { Campaigns } from './Campaigns';
import { Engagement } from './Engagement';
import { LoyaltyLedger } from './LoyaltyLedger';
import { HeldReferrals } from './LoyaltyReferrals';
import { Decisions, PublishedPosts, Queue } from './Moderation';
import { Outbox } from './Outbox';
import { Replies } from './Replies';
import { Topics } from './Topics';
import { WatchedWords } from './WatchedWords';

/** The admin SPA's screens, one per hash (#/queue, #/posts, ...). */
const screens = [
  { id: 'queue', name: 'Queue', render: () => <Queue /> },
  { id: 'posts', name: 'Published posts', render: () => <PublishedPosts /> },
  { id: 'decisions', name: 'Decisions', render: () => <Decisions /> },
  { id: 'silenced', name: 'Silenced', render: () => <Silenced /> },
  { id: 'words', name: 'Watched words', render: () => <WatchedWords /> },
  { id: 'replies', name: 'Awaiting reply', render: () => <Replies /> },
  { id: 'topics', name: 'Topics', render: () => <Topics /> },
  { id: 'loyalty', name: 'Loyalty', render: () => <LoyaltyLedger /> },
  { id: 'referrals', name: 'Held referrals', render: () => <HeldReferrals /> },
  { id: 'outbox', name: 'Outbox', render: () => <Outbox /> },
  { id: 'engagement', name: 'Engagement', render: () => <Engagement /> },
  { id: 'campaigns', name: 'Campaigns', render: () => <Campaigns /> },
] as const;

/** adminScreen reads the screen from the URL's hash; the queue by default. */
export function adminScreen(hash: string): (typeof screens)[number]['id'] {
  const id = /^#\/([a-z]+)/.exec(hash)?.[1];
  return screens.find((s) => s.id === id)?.id ?? 'queue';
}

/**
 * AdminApp is the store's moderation desk (desktop width): it signs in as
 * an admin (the development session, or a pasted ADMIN token), then shows
 * the screen the hash names.
 */
export function AdminApp() {
  const [state, setState] = useState<SessionState>(session.current);
  const [startError, setStartError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [screen, setScreen] = useState(() => adminScreen(window.location.hash));

  useEffect(() => session.subscribe(setState), []);
  useEffect(() => {
    const onChange = () => setScreen(adminScreen(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
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
    body = (
      <SignIn
        reason={state.reason}
        onSignIn={(token) => session.signIn(token)}
        title="Sign in to moderate"
        label="Admin token"
        command="go run ./server token -dev -role admin"
      />
    );
  } else {
    body = screens.find((s) => s.id === screen)!.render();
  }

  return (
    <div class="admin" data-testid="admin">
      <header class="topbar admin-topbar">
        <a class="brand" href="#/queue">
          aftercart admin
        </a>
        {state.status === 'signed-in' && (
          <nav class="admin-nav" aria-label="Screens">
            {screens.map((s) => (
              <a key={s.id} href={`#/${s.id}`} class={s.id === screen ? 'on' : ''} data-testid={`nav-${s.id}`} aria-current={s.id === screen ? 'page' : undefined}>
                {s.name}
              </a>
            ))}
          </nav>
        )}
        {state.status === 'signed-in' && (
          <span class="whoami">
            {state.session.email ?? 'Staff'}
            <button type="button" class="link" onClick={() => session.signOut()}>
              Sign out
            </button>
          </span>
        )}
      </header>
      <main class="admin-page">{body}</main>
    </div>
  );
}
