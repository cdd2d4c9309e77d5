import { CombinedError, type Client as UrqlClient } from '@urql/core';
import type { Client as WSClient } from 'graphql-ws';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeSubject, type Subject } from 'wonka';
import type { LiveConnection, SocketEvent } from '../api/live';
import type { ShipmentUpdate } from '../api/operations';
import type { SessionStore } from '../api/session';
import { OrderFeed, type FeedState, type OrderFeedOptions } from './orderFeed';

/** A fake world: each subscription is a subject the test drives; sockets are plain objects. */
function setup() {
  const subs: { variables: { after: string | null }; subject: Subject<unknown>; ended: boolean }[] = [];
  const client = {
    subscription: (_doc: string, variables: { after: string | null }) => {
      const subject = makeSubject<unknown>();
      const sub = { variables, subject, ended: false };
      subs.push(sub);
      return subject.source;
    },
  } as unknown as UrqlClient;

  let socket = 0;
  let current: WSClient | null = null;
  const listeners = new Set<(e: SocketEvent) => void>();
  const resets: WSClient[] = [];
  const up = new Set<WSClient>();
  const live = {
    isUp: (c: WSClient) => up.has(c),
    current: () => (current ??= { socket: ++socket } as unknown as WSClient),
    reset: (c: WSClient) => {
      if (current === c) {
        resets.push(c);
        current = null;
      }
    },
    drop: () => {
      if (current) {
        resets.push(current);
        current = null;
      }
    },
    on: (l: (e: SocketEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as LiveConnection;
  const emit = (e: SocketEvent) => {
    if (e.type === 'connected') {
      up.add(e.client);
    } else {
      up.delete(e.client);
    }
    listeners.forEach((l) => l(e));
  };

  const session = { renew: vi.fn(async () => ({ token: 'fresh' })) } as unknown as SessionStore;
  const updates: string[] = [];
  const states: FeedState[] = [];
  const resync = vi.fn(async () => {});
  const options: OrderFeedOptions = {
    orderId: 'o1',
    client,
    live,
    session,
    onUpdate: (u) => updates.push(u.cursor),
    onState: (s) => states.push(s),
    resync,
    backoff: () => 1000,
  };
  const feed = new OrderFeed(options);
  const last = () => subs[subs.length - 1];
  const state = () => states[states.length - 1];
  const connect = () => emit({ type: 'connected', client: live.current() });
  const close = (code = 1006) => emit({ type: 'closed', client: live.current(), reason: { code, reason: '' } });
  const send = (cursor: string) => last().subject.next({ data: { shipmentUpdated: update(cursor) } });
  return { feed, options, subs, last, state, connect, close, send, updates, resync, resets, session };
}

function update(cursor: string): ShipmentUpdate {
  return {
    cursor,
    shipment: {
      id: 's1',
      updatedAt: '2026-11-22T10:00:00Z',
      status: 'IN_TRANSIT',
      subStatus: null,
      firstEstimatedDeliveryAt: null,
      latestEstimatedDeliveryAt: null,
      deliveredAt: null,
    },
    event: null,
  };
}

describe('OrderFeed', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('subscribes live-only, then resyncs once the stream has had time to start', async () => {
    const w = setup();
    w.feed.start();
    expect(w.subs).toHaveLength(1);
    expect(w.last().variables.after).toBeNull();
    expect(w.state().status).toBe('connecting');
    w.connect();
    expect(w.state()).toMatchObject({ status: 'live', synced: false });
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.resync).toHaveBeenCalledTimes(1);
    expect(w.state().synced).toBe(true);
    w.feed.stop();
  });

  it('resumes from the last cursor on a fresh socket after a drop, without duplicates', async () => {
    const w = setup();
    w.feed.start();
    w.connect();
    w.send('1');
    w.send('2');
    w.send('2');
    expect(w.updates).toEqual(['1', '2']);

    w.close();
    expect(w.resets).toHaveLength(1);
    expect(w.state()).toMatchObject({ status: 'reconnecting', synced: false });
    w.send('3'); // a straggler on the dead stream is ignored
    expect(w.updates).toEqual(['1', '2']);

    await vi.advanceTimersByTimeAsync(1000);
    expect(w.subs).toHaveLength(2);
    expect(w.last().variables.after).toBe('2');
    w.connect();
    expect(w.state()).toMatchObject({ status: 'live', synced: true });
    w.send('2'); // replay overlapping what arrived
    w.send('3');
    expect(w.updates).toEqual(['1', '2', '3']);
    expect(w.resync).not.toHaveBeenCalled();
    w.feed.stop();
  });

  it('says offline after several failed attempts, and keeps trying', async () => {
    const w = setup();
    w.feed.start();
    w.connect();
    for (let i = 0; i < 4; i++) {
      w.close();
      await vi.advanceTimersByTimeAsync(1000);
    }
    w.close();
    expect(w.state().status).toBe('offline');
    await vi.advanceTimersByTimeAsync(1000);
    w.connect();
    expect(w.state().status).toBe('live');
    w.feed.stop();
  });

  it('renews the session when the server closes with 4403 (token expired), and resumes from the cursor', async () => {
    const w = setup();
    w.feed.start();
    w.connect();
    w.send('7');
    await vi.advanceTimersByTimeAsync(60_000); // the token lived a while
    w.close(4403);
    await vi.advanceTimersByTimeAsync(0);
    expect(w.session.renew).toHaveBeenCalledTimes(1);
    expect(w.resets.length).toBeGreaterThanOrEqual(1); // the old socket authenticated with the old token
    expect(w.subs).toHaveLength(2); // at once: no backoff for an expiry
    expect(w.last().variables.after).toBe('7');
    w.connect();
    expect(w.state()).toMatchObject({ status: 'live', synced: true, error: null });
    w.send('8');
    expect(w.updates).toEqual(['7', '8']);
    w.feed.stop();
  });

  it('does not loop when a fresh token is refused at once: renews, then waits', async () => {
    const w = setup();
    w.feed.start();
    w.close(4403); // right after connecting
    await vi.advanceTimersByTimeAsync(0);
    expect(w.session.renew).toHaveBeenCalledTimes(1);
    expect(w.subs).toHaveLength(1);
    expect(w.state()).toMatchObject({ status: 'reconnecting' });
    expect(w.state().error).toMatch(/session has ended/);
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.subs).toHaveLength(2);
    w.feed.stop();
  });

  it('renews the session on an UNAUTHENTICATED error, and resumes from the cursor', async () => {
    const w = setup();
    w.feed.start();
    w.connect();
    w.send('3');
    await vi.advanceTimersByTimeAsync(60_000);
    w.last().subject.next({
      error: new CombinedError({ graphQLErrors: [{ message: 'token expired', extensions: { code: 'UNAUTHENTICATED' } }] }),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(w.session.renew).toHaveBeenCalledTimes(1);
    expect(w.subs).toHaveLength(2);
    expect(w.last().variables.after).toBe('3');
    w.feed.stop();
  });

  it('stops when the session cannot be renewed (a pasted token that expired)', async () => {
    const w = setup();
    vi.mocked(w.session.renew).mockResolvedValueOnce(null);
    w.feed.start();
    w.connect();
    await vi.advanceTimersByTimeAsync(60_000);
    w.close(4403);
    await vi.advanceTimersByTimeAsync(0);
    expect(w.state()).toMatchObject({ status: 'stopped' });
    expect(w.state().error).toMatch(/session has ended/);
    w.feed.stop();
  });

  it('resumes a stream that completes from the cursor after a pause, keeping the session', async () => {
    const w = setup();
    w.feed.start();
    w.connect();
    w.send('7');
    await vi.advanceTimersByTimeAsync(6000);
    w.last().subject.complete();
    await vi.advanceTimersByTimeAsync(0);
    expect(w.session.renew).not.toHaveBeenCalled();
    expect(w.subs).toHaveLength(1);
    expect(w.state()).toMatchObject({ status: 'reconnecting' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.subs).toHaveLength(2);
    expect(w.last().variables.after).toBe('7');
    w.feed.stop();
  });

  it('is live at once on a socket already up (kept from the previous order)', async () => {
    const w = setup();
    w.feed.start();
    w.connect();
    w.feed.stop();
    const next = new OrderFeed({ ...w.options, orderId: 'o2' });
    next.start();
    expect(w.state()).toMatchObject({ status: 'live', synced: false });
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.state().synced).toBe(true);
    next.stop();
  });

  it('stops, in words, when the order is not there', () => {
    const w = setup();
    w.feed.start();
    w.last().subject.next({
      error: new CombinedError({ graphQLErrors: [{ message: 'x', extensions: { code: 'NOT_FOUND' } }] }),
    });
    expect(w.state()).toMatchObject({ status: 'stopped' });
    expect(w.state().error).toMatch(/couldn't find that order/);
    w.feed.stop();
  });
});
