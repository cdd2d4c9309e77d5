// Turning what can go wrong into sentences a shopper can act on. Every
// error the app shows goes through describeError; nothing is swallowed.
import { CombinedError } from '@urql/core';

/** An error already phrased for the user, with the server's code if any. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    message: string,
    readonly code: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Sentences for the server's extensions.code values (README "Errors"). */
const byCode: Record<string, string> = {
  NOT_FOUND: "We couldn't find that order. Check the order number, or open it from your order list.",
  UNAUTHENTICATED: 'Your session has ended. Sign in again to see your orders.',
  FORBIDDEN: "You don't have access to this.",
  INVALID_INPUT: "Something in that request wasn't valid.",
  CONFLICT: 'That changed while you were looking at it. Reload to see the latest.',
  QUERY_TOO_EXPENSIVE: 'That request asks for too much at once.',
  THROTTLED: 'Too many live connections from this device. Close other tabs and try again.',
  UNAVAILABLE: 'Our servers are busy right now. Please try again in a moment.',
  INTERNAL: 'Something went wrong on our side. Please try again.',
  GRAPHQL_PARSE_FAILED: 'This page is out of date with the server. Reload the page.',
  GRAPHQL_VALIDATION_FAILED: 'This page is out of date with the server. Reload the page.',
};

const offline = "You're offline. Check your connection; we'll keep trying.";
const unreachable = "We can't reach aftercart right now. Check your connection and try again.";

/** errorCode returns the server's extensions.code of err, if it has one. */
export function errorCode(err: unknown): string | null {
  if (err instanceof AppError) {
    return err.code;
  }
  if (err instanceof CombinedError) {
    for (const e of err.graphQLErrors) {
      const code = e.extensions?.code;
      if (typeof code === 'string') {
        return code;
      }
    }
    if (err.response?.status === 401) {
      return 'UNAUTHENTICATED';
    }
  }
  return null;
}

/** errorExtensions returns the first GraphQL error's extensions and message (field, retryAfter, ...). */
export function errorExtensions(err: unknown): { message: string; extensions: Record<string, unknown> } | null {
  const cause = err instanceof AppError ? err.cause : err;
  if (cause instanceof CombinedError && cause.graphQLErrors.length) {
    const e = cause.graphQLErrors[0];
    return { message: e.message, extensions: (e.extensions ?? {}) as Record<string, unknown> };
  }
  return null;
}

/** describeError phrases any error (urql's, a websocket close, a thrown one) for the user. */
export function describeError(err: unknown): string {
  if (err instanceof AppError) {
    return err.message;
  }
  const code = errorCode(err);
  if (code && byCode[code]) {
    if (code === 'INVALID_INPUT' && err instanceof CombinedError) {
      const field = err.graphQLErrors[0]?.extensions?.field;
      return typeof field === 'string' ? `${byCode[code]} (${field})` : byCode[code];
    }
    return byCode[code];
  }
  if (err instanceof CombinedError) {
    if (err.networkError || !err.graphQLErrors.length) {
      return isOffline() ? offline : unreachable;
    }
    // An error without a code is the server's plain words.
    return sentence(err.graphQLErrors[0].message);
  }
  if (isCloseEvent(err)) {
    return describeClose(err);
  }
  if (err instanceof TypeError) {
    // fetch's "Failed to fetch": the request never got an answer.
    return isOffline() ? offline : unreachable;
  }
  if (err instanceof Error && err.message) {
    return sentence(err.message);
  }
  return 'Something went wrong. Please try again.';
}

/** A websocket close, as graphql-ws reports it. */
export interface CloseLike {
  code: number;
  reason: string;
}

export function isCloseEvent(v: unknown): v is CloseLike {
  return typeof v === 'object' && v !== null && 'code' in v && typeof v.code === 'number' && 'reason' in v;
}

/** describeClose phrases why the live connection closed (graphql-ws PROTOCOL.md codes). */
export function describeClose(e: CloseLike): string {
  switch (e.code) {
    case 4403:
      return byCode.UNAUTHENTICATED;
    case 4400:
    case 4401:
    case 4409:
    case 4429:
      return 'The live connection was refused. Reload the page to start it again.';
    case 4499:
    case 4504:
      return 'The live connection stopped answering.';
    default:
      return isOffline() ? offline : 'The live connection dropped.';
  }
}

function isOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) {
    return 'Something went wrong. Please try again.';
  }
  const capital = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
