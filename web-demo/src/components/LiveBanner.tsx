import { useEffect, useState } from 'preact/hooks';
import type { FeedState } from '../live/orderFeed';

const text = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  stopped: 'Not updating',
} as const;

/** LiveBanner says whether the page is receiving updates, and why not. */
export function LiveBanner({ state, onRetry }: { state: FeedState; onRetry: () => void }) {
  const seconds = useCountdown(state.retryAt);
  let detail: string | null = null;
  if (state.status === 'live') {
    detail = 'Updates appear here as they happen.';
  } else if (state.status === 'reconnecting' || state.status === 'offline') {
    detail = [state.error, seconds !== null ? `Trying again in ${seconds} s.` : null].filter(Boolean).join(' ');
  } else if (state.status === 'stopped') {
    detail = state.error;
  }
  return (
    <div
      class={`live live-${state.status}`}
      role="status"
      aria-live="polite"
      data-testid="live-status"
      data-state={state.status}
      data-synced={String(state.synced)}
    >
      <span class="live-dot" aria-hidden="true" />
      <strong>{text[state.status]}</strong>
      {detail && <span class="live-detail">{detail}</span>}
      {state.status === 'offline' && (
        <button type="button" class="link" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  );
}

/** useCountdown returns whole seconds until at, ticking, or null. */
function useCountdown(at: number | null): number | null {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (at === null) {
      return;
    }
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [at]);
  return at === null ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
