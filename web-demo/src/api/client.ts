// The app's GraphQL client: queries over HTTP POST /query, subscriptions
// over the /query websocket, both on the page's origin and both carrying the
// session's bearer token.
import {
  Client,
  fetchExchange,
  subscriptionExchange,
  type AnyVariables,
  type DocumentInput,
  type OperationResult,
} from '@urql/core';
import { AppError, describeError, errorCode } from './errors';
import { LiveConnection } from './live';
import { SessionStore } from './session';

/** endpoint is the API on this page's origin, whatever path the app is served from. */
function endpoint(protocol: 'http' | 'ws'): string {
  const u = new URL('/query', window.location.href);
  if (protocol === 'ws') {
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  }
  return u.toString();
}

export const session = new SessionStore(`${import.meta.env.BASE_URL}session`);

export const live = new LiveConnection({ url: endpoint('ws'), token: () => session.token });

export const client = new Client({
  url: endpoint('http'),
  // No document cache: an order status page always shows the server's
  // latest, and live updates are merged by the page itself.
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: live.current().subscribe({ ...request, query: request.query ?? '' }, sink) }),
      }),
    }),
  ],
  preferGetMethod: false,
  requestPolicy: 'network-only',
  fetchOptions: () => {
    const headers: Record<string, string> = {};
    if (session.token) {
      headers.authorization = `Bearer ${session.token}`;
    }
    return { headers };
  },
});

/**
 * query runs a query and returns its data, or throws an AppError in words.
 * A token the server no longer accepts is renewed once (demo sessions) and
 * the query retried.
 */
export async function query<Data, Variables extends AnyVariables>(
  document: DocumentInput<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  let result = await client.query<Data, Variables>(document, variables).toPromise();
  if (errorCode(result.error) === 'UNAUTHENTICATED' && (await session.renew())) {
    result = await client.query<Data, Variables>(document, variables).toPromise();
  }
  return dataOrThrow(result);
}

/**
 * mutate runs a mutation (an upload too: @urql/core sends File variables
 * as a GraphQL multipart request) and returns its data, or throws an
 * AppError keeping the server's error as its cause. Like query it renews an
 * expired demo session once; a refused mutation wrote nothing, so sending
 * it again is safe.
 */
export async function mutate<Data, Variables extends AnyVariables>(
  document: DocumentInput<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  let result = await client.mutation<Data, Variables>(document, variables).toPromise();
  if (errorCode(result.error) === 'UNAUTHENTICATED' && (await session.renew())) {
    result = await client.mutation<Data, Variables>(document, variables).toPromise();
  }
  return dataOrThrow(result);
}

function dataOrThrow<Data>(result: OperationResult<Data>): Data {
  if (result.error) {
    throw toAppError(result.error);
  }
  if (!result.data) {
    throw new AppError('The server sent an empty answer. Please try again.');
  }
  return result.data;
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) {
    return err;
  }
  return new AppError(describeError(err), errorCode(err), { cause: err });
}
