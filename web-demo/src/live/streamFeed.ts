// StreamFeed follows one cursor-resumable subscription (shipmentUpdated,
// reviewReplyAdded: every live feed of the server's stream engine carries a
// cursor and takes `after`) and keeps it going: whenever the socket closes
// (any reason) or the stream ends, it resubscribes on a fresh connection
// with `after: <last cursor>`, so the server replays exactly what the page
// missed. Cursors are deduplicated as
// well, in case a replay overlaps what already arrived. When the token
// expires the server closes the socket with 4403 "Forbidden: token expired"
// (an UNAUTHENTICATED error means the same): the feed renews the session
// first, since a socket authenticates only once, at connection_init.
import type { Client as UrqlClient, DocumentInput, OperationResult } from '@urql/core';
import type { Client as WSClient } from 'graphql-ws';
import { onEnd, pipe, subscribe } from 'wonka';
import { describeClose, describeError, errorCode, isCloseEvent } from '../api/errors';
import type { LiveConnection, SocketEvent } from '../api/live';
import type { SessionStore } from '../api/session';
import { backoff as defaultBackoff } from './backoff';

/**
 * LiveStatus is what the banner says. 'connecting': the first connection;
 * 'live': subscribed; 'reconnecting': dropped, trying again; 'offline': the
 * browser is offline or several attempts failed (it still tries); 'stopped':
 * it will not retry (the order or review is gone, or the shopper is signed
 * out).
 */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'stopped';

export interface FeedState {
  status: LiveStatus;
  /** The page holds everything committed up to now (not just what streamed since it subscribed). */
  synced: boolean;
  /** Why the last attempt failed, in words; null when all is well. */
  error: string | null;
  /** When the next attempt starts (ms since epoch), while waiting. */
  retryAt: number | null;
}

/** An update of any feed: the server's cursor for it, and the rest. */
export interface Cursored {
  cursor: string;
}

export interface StreamFeedOptions<Data, Update extends Cursored> {
  /** The subscription document; its variables are variables(after). */
  document: DocumentInput;
  variables: (after: string | null) => Record<string, unknown>;
  /** pick finds the update in a result's data. */
  pick: (data: Data) => Update | null | undefined;
  client: UrqlClient;
  live: LiveConnection;
  session: SessionStore;
  onUpdate: (u: Update) => void;
  onState: (s: FeedState) => void;
  /**
   * resync brings the page up to date with a refetch. It runs whenever the
   * feed subscribes without a cursor: such a stream carries only changes
   * committed after the server joined it, and the protocol never says when
   * that was, so the refetch runs settleMs after the connection is
   * acknowledged and closes the gap since the page's first load.
   */
  resync: () => Promise<void>;
  settleMs?: number;
  /**
   * from is a cursor to start after: the position of the page's own read
   * (a connection's feedCursor), so the first subscription already
   * resumes, streams exactly what committed since the read and needs no
   * resync.
   */
  from?: string | null;
  backoff?: (attempt: number) => number;
  /** Failures in a row after which the banner says offline. */
  offlineAfter?: number;
}

/** A subscription attempt: one stream on one socket. */
interface Run {
  ws: WSClient;
  stop: () => void;
  resuming: boolean;
  startedAt: number;
  ended: boolean;
}

export class StreamFeed<Data, Update extends Cursored> {
  private cursor: string | null = null;
  private readonly seen = new Set<string>();
  private failures = 0;
  private run: Run | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private everLive = false;
  private state: FeedState = { status: 'connecting', synced: false, error: null, retryAt: null };
  private readonly unlisten: (() => void)[] = [];

  constructor(private readonly o: StreamFeedOptions<Data, Update>) {
    this.cursor = o.from ?? null;
  }

  start(): void {
    this.unlisten.push(this.o.live.on((e) => this.onSocket(e)));
    if (typeof window !== 'undefined') {
      const online = () => this.retryNow();
      window.addEventListener('online', online);
      this.unlisten.push(() => window.removeEventListener('online', online));
    }
    this.subscribe();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.settleTimer);
    this.endRun();
    this.unlisten.splice(0).forEach((f) => f());
  }

  /** retryNow skips the wait before the next attempt (the banner's button, the browser coming online). */
  retryNow(): void {
    if (!this.stopped && !this.run && this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.subscribe();
    }
  }

  private set(patch: Partial<FeedState>) {
    this.state = { ...this.state, ...patch };
    this.o.onState(this.state);
  }

  private subscribe() {
    this.retryTimer = undefined;
    const ws = this.o.live.current();
    const resuming = this.cursor !== null;
    const variables = this.o.variables(this.cursor);
    const run: Run = { ws, stop: () => {}, resuming, startedAt: Date.now(), ended: false };
    this.run = run;
    this.set({
      status: this.everLive ? this.waitingStatus() : 'connecting',
      synced: false,
      retryAt: null,
    });
    const { unsubscribe } = pipe(
      this.o.client.subscription<Data>(this.o.document as DocumentInput<Data>, variables),
      onEnd(() => this.onEnded(run)),
      subscribe((r: OperationResult<Data>) => this.onResult(run, r)),
    );
    run.stop = unsubscribe;
    // The socket may already be up (kept open after the previous order).
    if (this.o.live.isUp(ws)) {
      this.onLive(run);
    }
  }

  private onSocket(e: SocketEvent) {
    if (e.type === 'connected') {
      if (this.run && this.run.ws === e.client) {
        this.onLive(this.run);
      }
      return;
    }
    // Whatever closed it, this client is done: never let graphql-ws reconnect
    // it with the old variables.
    this.o.live.reset(e.client);
    const run = this.run;
    if (!run || run.ws !== e.client || this.stopped) {
      return;
    }
    this.endRun();
    const reason = e.reason;
    if (isCloseEvent(reason) && reason.code === 4403) {
      // The token expired (or was refused at connect). A fresh token
      // refused at once must not make a tight loop: then wait first.
      void this.renewThenRetry(describeClose(reason), quickly(run));
      return;
    }
    this.retryLater(isCloseEvent(reason) ? describeClose(reason) : describeError(reason), run);
  }

  private onLive(run: Run) {
    this.everLive = true;
    this.set({ status: 'live', error: null, retryAt: null });
    clearTimeout(this.settleTimer);
    if (run.resuming) {
      this.set({ synced: true });
      return;
    }
    this.settleTimer = setTimeout(() => {
      this.o.resync().then(
        () => {
          if (this.run === run) {
            this.set({ synced: true });
          }
        },
        (err: unknown) => {
          if (this.run === run) {
            this.set({ error: describeError(err) });
          }
        },
      );
    }, this.o.settleMs ?? 1_000);
  }

  private onResult(run: Run, r: OperationResult<Data>) {
    if (this.run !== run) {
      return;
    }
    if (r.error) {
      this.endRun();
      const code = errorCode(r.error);
      const message = describeError(r.error);
      if (code === 'NOT_FOUND' || code === 'FORBIDDEN') {
        this.halt(message);
      } else if (code === 'UNAUTHENTICATED') {
        void this.renewThenRetry(message, quickly(run));
      } else {
        this.retryLater(message, run);
      }
      return;
    }
    const u = r.data ? this.o.pick(r.data) : null;
    if (!u || this.seen.has(u.cursor)) {
      return;
    }
    this.seen.add(u.cursor);
    this.cursor = u.cursor;
    this.failures = 0;
    this.o.onUpdate(u);
  }

  /**
   * onEnded: the stream completed without an error. The server never ends
   * this stream by itself (token expiry is a 4403 close, not a complete),
   * so this is unexpected: resume from the cursor after a pause, keeping
   * the session (renewing would sign out a pasted token for nothing).
   */
  private onEnded(run: Run) {
    if (this.run !== run || run.ended) {
      return; // we ended it ourselves
    }
    this.endRun();
    this.retryLater(null, run);
  }

  /** renewThenRetry gets a fresh token, then reconnects (a socket authenticates once, at connection_init). */
  private async renewThenRetry(message: string | null, wait = false) {
    this.o.live.drop();
    let renewed;
    try {
      renewed = await this.o.session.renew();
    } catch (err) {
      this.retryLater(describeError(err));
      return;
    }
    if (this.stopped) {
      return;
    }
    if (!renewed) {
      this.halt(message ?? 'Your session has ended. Sign in again to see your orders.');
    } else if (wait) {
      this.retryLater(message);
    } else {
      this.subscribe();
    }
  }

  /** retryLater resubscribes after a backoff that grows with failures in a row. */
  private retryLater(message: string | null, failed?: Run) {
    if (this.stopped) {
      return;
    }
    if (failed && Date.now() - failed.startedAt > 10_000) {
      this.failures = 0; // it had been working: this is a new outage
    }
    this.failures++;
    const delay = (this.o.backoff ?? defaultBackoff)(this.failures);
    this.retryTimer = setTimeout(() => this.subscribe(), delay);
    this.set({ status: this.waitingStatus(), synced: false, error: message, retryAt: Date.now() + delay });
  }

  private waitingStatus(): LiveStatus {
    const browserOffline = typeof navigator !== 'undefined' && navigator.onLine === false;
    const offline = browserOffline || this.failures >= (this.o.offlineAfter ?? 4);
    return offline ? 'offline' : 'reconnecting';
  }

  private halt(message: string) {
    this.stopped = true;
    this.set({ status: 'stopped', synced: false, error: message, retryAt: null });
  }

  private endRun() {
    clearTimeout(this.settleTimer);
    const run = this.run;
    this.run = null;
    if (run && !run.ended) {
      run.ended = true;
      run.stop();
    }
  }
}

/** quickly reports whether run failed within 5 s of starting: its fresh token was refused at once. */
function quickly(run: Run): boolean {
  return Date.now() - run.startedAt < 5_000;
}
