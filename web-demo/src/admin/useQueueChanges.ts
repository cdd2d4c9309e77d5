// useQueueChanges follows moderationQueueChanged, so the queue on screen
// shows items entering and leaving as staff on any instance decide, and
// as customers write. The contract's event has no cursor: after every
// (re)connection the screen refetches the queue instead of resuming.
//
// The server does not have the subscription yet (community3): until
// features.communityLive is on this does nothing and returns 'off', and
// the queue screen has a Refresh button.
import { useEffect, useRef, useState } from 'preact/hooks';
import { pipe, subscribe } from 'wonka';
import { queueChangedOp, type QueueChangedData } from '../api/communityOperations';
import { describeError } from '../api/errors';
import type { SocketEvent } from '../api/live';
import { features } from '../features';
import { admin } from './api';

/** QueueLive is what the queue's banner says. */
export type QueueLive = { status: 'off' } | { status: 'connecting' | 'live' } | { status: 'dropped'; error: string };

/**
 * useQueueChanges calls onChange(id, status) for every item that enters or
 * leaves the queue, and onResync after every (re)connection.
 */
export function useQueueChanges(onChange: (item: QueueChangedData['moderationQueueChanged']['item']) => void, onResync: () => void): QueueLive {
  const [state, setState] = useState<QueueLive>(features.communityLive ? { status: 'connecting' } : { status: 'off' });
  const handlers = useRef({ onChange, onResync });
  handlers.current = { onChange, onResync };

  useEffect(() => {
    if (!features.communityLive) {
      return;
    }
    let stop = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    const start = () => {
      const { unsubscribe } = pipe(
        admin.client.subscription<QueueChangedData>(queueChangedOp, {}),
        subscribe((r) => {
          if (r.error) {
            setState({ status: 'dropped', error: describeError(r.error) });
          } else if (r.data) {
            handlers.current.onChange(r.data.moderationQueueChanged.item);
          }
        }),
      );
      stop = unsubscribe;
    };
    const off = admin.live.on((e: SocketEvent) => {
      if (e.type === 'connected') {
        setState({ status: 'live' });
        handlers.current.onResync();
        return;
      }
      // Whatever closed the socket: subscribe again on a fresh one.
      admin.live.reset(e.client);
      stop();
      setState({ status: 'dropped', error: 'The live connection dropped.' });
      timer = setTimeout(start, 2_000);
    });
    start();
    return () => {
      clearTimeout(timer);
      off();
      stop();
    };
  }, []);
  return state;
}
