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

/** Api is one signed-in GraphQL client: its session, its socket, query and mutate. */
export interface Api {
  session: SessionStore;
  live: LiveConnection;
  client: Client;
  query<Data, Variables extends AnyVariables>(document: DocumentInput<Data, Variables>, variables: Variables): Promise<Data>;
  mutate<Data, Variables extends AnyVariables>(document: DocumentInput<Data, Variables>, variables: Variables): Promise<Data>;
}

/**
 * createApi builds a client signed in through its own session: the
 * shopper's pages use the demo customer's (/demo/session), the admin SPA
 * an admin's (/demo/admin-session), each with its own pasted token, so one
 * browser can be both at once in two tabs.
 */
export function createApi(o: { sessionURL: string; storageKey?: string }): Api {
  const session = new SessionStore(o.sessionURL, o.storageKey);
  const live = new LiveConnection({ url: endpoint('ws'), token: () => session.token });
  // A socket authenticates once, at connection_init: when the session's
  // token changes (signed out, another account signed in), a socket opened
  // with the old token must not go on serving the new viewer. Dropping it
  // closes the subscriptions on it; their feeds resubscribe from their
  // cursors on a socket that authenticates with the new token.
  let socketToken = session.token;
  session.subscribe(() => {
    if (session.token !== socketToken) {
      socketToken = session.token;
      live.drop();
    }
  });
  const client = new Client({
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
  async function query<Data, Variables extends AnyVariables>(
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
  async function mutate<Data, Variables extends AnyVariables>(
    document: DocumentInput<Data, Variables>,
    variables: Variables,
  ): Promise<Data> {
    let result = await client.mutation<Data, Variables>(document, variables).toPromise();
    if (errorCode(result.error) === 'UNAUTHENTICATED' && (await session.renew())) {
      result = await client.mutation<Data, Variables>(document, variables).toPromise();
    }
    return dataOrThrow(result);
  }

  return { session, live, client, query, mutate };
}

/** The shopper's client: the order page, reviews and the community page. */
export const shopper = createApi({ sessionURL: `${import.meta.env.BASE_URL}session` });

export const { session, live, client, query, mutate } = shopper;

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
