/**
 * backoff is how long to wait before reconnect attempt n (1-based):
 * 0.5 s, 1 s, 2 s, 4 s … capped at 30 s, each ±20 % so that many pages
 * dropped together do not come back in lockstep.
 */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
