// useLoad: the admin screens' one way to load something and say, in
// words, that it is loading or why it failed.
import { useEffect, useState } from 'preact/hooks';
import { describeCommunityError } from '../community';

/** Load is a screen's data: loading, failed in words, or there. */
export type Load<T> = { status: 'loading' } | { status: 'failed'; error: string } | { status: 'done'; data: T };

/**
 * useLoad runs load on mount and on reload(), keeping its result in words;
 * update changes loaded data in place (after a mutation's answer).
 */
export function useLoad<T>(load: () => Promise<T>): [Load<T>, () => void, (f: (t: T) => T) => void] {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let cancelled = false;
    load().then(
      (data) => !cancelled && setState({ status: 'done', data }),
      (err: unknown) => !cancelled && setState({ status: 'failed', error: describeCommunityError(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);
  const update = (f: (t: T) => T) => setState((s) => (s.status === 'done' ? { status: 'done', data: f(s.data) } : s));
  return [state, () => setAttempt((n) => n + 1), update];
}
