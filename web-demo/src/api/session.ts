// Who the page is signed in as. In development the server hands out a
// session for the demo customer at /demo/session; in production that route
// is a 404 and the shopper pastes a token (a stand-in for the store's login).
import { AppError } from './errors';

export interface Session {
  token: string;
  email: string | null;
  /** When the token stops working, if known. */
  expiresAt: string | null;
  /** 'demo': from /demo/session, renewable; 'pasted': typed in by hand. */
  source: 'demo' | 'pasted';
}

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-in'; session: Session }
  | { status: 'signed-out'; reason: string | null };

type Listener = (s: SessionState) => void;

const defaultStorageKey = 'aftercart.token';

/** SessionStore holds the current token and renews it when it can. */
export class SessionStore {
  private state: SessionState = { status: 'loading' };
  private listeners = new Set<Listener>();
  private renewing: Promise<Session | null> | null = null;

  /**
   * sessionURL is the development session to sign in with; storageKey
   * keeps a pasted token for this browser tab (each client its own).
   */
  constructor(
    private readonly sessionURL: string,
    private readonly storageKey = defaultStorageKey,
  ) {}

  get current(): SessionState {
    return this.state;
  }

  /** token is the bearer token to send now, or null when signed out. */
  get token(): string | null {
    return this.state.status === 'signed-in' ? this.state.session.token : null;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private set(s: SessionState) {
    this.state = s;
    for (const l of [...this.listeners]) {
      l(s);
    }
  }

  /**
   * start signs in with a token pasted earlier in this tab (someone chose
   * to be another customer, or an admin), else the development session if
   * the server has one; otherwise the page asks for a token.
   */
  async start(): Promise<void> {
    const stored = readStored(this.storageKey);
    if (stored) {
      this.set({ status: 'signed-in', session: { token: stored, email: null, expiresAt: null, source: 'pasted' } });
      return;
    }
    const demo = await this.fetchDemoSession();
    this.set(demo ? { status: 'signed-in', session: demo } : { status: 'signed-out', reason: null });
  }

  /** signIn uses a pasted token (kept for this browser tab only). */
  signIn(token: string): void {
    const t = token.trim().replace(/^Bearer\s+/i, '');
    writeStored(this.storageKey, t);
    this.set({ status: 'signed-in', session: { token: t, email: null, expiresAt: null, source: 'pasted' } });
  }

  signOut(reason: string | null = null): void {
    writeStored(this.storageKey, null);
    this.set({ status: 'signed-out', reason });
  }

  /**
   * switchAccount forgets the token and asks for another one, even where a
   * development session exists (to try the page as a second customer).
   */
  switchAccount(): void {
    this.signOut(null);
  }

  /**
   * renew replaces a token the server no longer accepts. A demo session is
   * fetched again; a pasted token cannot be renewed, so the page signs out
   * and asks for a new one. Concurrent callers share one renewal.
   */
  renew(): Promise<Session | null> {
    this.renewing ??= (async () => {
      try {
        const s = this.state;
        if (s.status === 'signed-in' && s.session.source === 'demo') {
          const demo = await this.fetchDemoSession();
          if (demo) {
            this.set({ status: 'signed-in', session: demo });
            return demo;
          }
        }
        this.signOut('Your session has ended. Sign in again to see your orders.');
        return null;
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  /** fetchDemoSession returns the development session, or null where the server has none (404). */
  private async fetchDemoSession(): Promise<Session | null> {
    let res: Response;
    try {
      res = await fetch(this.sessionURL, { headers: { accept: 'application/json' }, cache: 'no-store' });
    } catch (err) {
      throw new AppError("We can't reach aftercart right now. Check your connection and try again.", null, {
        cause: err,
      });
    }
    if (res.status === 404) {
      return null;
    }
    if (!res.ok) {
      throw new AppError(`Signing in failed (the server answered ${res.status}). Please try again.`);
    }
    const body: unknown = await res.json().catch(() => null);
    if (!isSessionBody(body)) {
      throw new AppError('Signing in failed: the server sent an unexpected answer.');
    }
    return { token: body.token, email: body.email ?? null, expiresAt: body.expiresAt ?? null, source: 'demo' };
  }
}

function isSessionBody(v: unknown): v is { token: string; email?: string; expiresAt?: string } {
  return typeof v === 'object' && v !== null && 'token' in v && typeof v.token === 'string' && v.token !== '';
}

function readStored(storageKey: string): string | null {
  try {
    return sessionStorage.getItem(storageKey);
  } catch {
    return null; // storage disabled: the shopper pastes the token again
  }
}

function writeStored(storageKey: string, token: string | null): void {
  try {
    if (token) {
      sessionStorage.setItem(storageKey, token);
    } else {
      sessionStorage.removeItem(storageKey);
    }
  } catch {
    // storage disabled: the token lives as long as the page
  }
}
