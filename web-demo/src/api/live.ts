// The websocket to the server (graphql-transport-ws). One graphql-ws client
// at a time: when its socket closes, for any reason, the owner of the
// subscriptions calls reset() and resubscribes on a fresh client from its
// last cursor. graphql-ws's own retries are off because they would resend the
// subscription's original variables, not the latest cursor. The server
// closes the socket with 4403 when the token it was opened with expires;
// connectionParams reads the token at each connect, so the fresh client
// authenticates with whatever the session holds by then.
import { createClient, type Client } from 'graphql-ws';

/** Events of the current socket, tagged with the client they came from. */
export type SocketEvent =
  | { type: 'connected'; client: Client }
  | { type: 'closed'; client: Client; reason: unknown };

type Listener = (e: SocketEvent) => void;

export interface LiveOptions {
  url: string;
  /** The bearer token for connection_init, read at each connect. */
  token: () => string | null;
  /** How often to ping the server; a pong later than pongTimeoutMs drops the socket. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
}

export class LiveConnection {
  private client: Client | null = null;
  private listeners = new Set<Listener>();
  /** Clients whose socket is acknowledged and not closed since. */
  private readonly up = new WeakSet<Client>();

  constructor(private readonly opts: LiveOptions) {}

  /** on listens to the current and future clients' socket events. */
  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** current returns the live client, creating one if the last was reset. */
  current(): Client {
    this.client ??= this.create();
    return this.client;
  }

  /** isUp reports whether client's socket is connected (acknowledged, not closed). */
  isUp(client: Client): boolean {
    return this.up.has(client);
  }

  /** reset drops client (if it is still the current one); the next current() connects anew. */
  reset(client: Client): void {
    if (this.client !== client) {
      return;
    }
    this.client = null;
    // dispose marks it disposed synchronously, so it never retries on its
    // own. It rejects when the socket never opened: nothing to close then.
    Promise.resolve(client.dispose()).catch(() => {});
  }

  /** drop closes the current client, if any, so the next connection authenticates anew. */
  drop(): void {
    if (this.client) {
      this.reset(this.client);
    }
  }

  private emit(e: SocketEvent) {
    for (const l of [...this.listeners]) {
      l(e);
    }
  }

  private create(): Client {
    const { url, token, pingIntervalMs = 10_000, pongTimeoutMs = 5_000 } = this.opts;
    let pongTimer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const client: Client = createClient({
      url,
      lazy: true,
      // Keep the socket a moment after the last subscription ends, so going
      // from one order to the next reuses it.
      lazyCloseTimeout: 3_000,
      retryAttempts: 0,
      connectionAckWaitTimeout: 10_000,
      keepAlive: pingIntervalMs,
      connectionParams: () => {
        const t = token();
        return t ? { authorization: `Bearer ${t}` } : {};
      },
      on: {
        connected: () => {
          closed = false;
          this.up.add(client);
          this.emit({ type: 'connected', client });
        },
        ping: (received) => {
          if (!received) {
            // A socket that stops answering looks open to the browser for a
            // long time: end it ourselves.
            clearTimeout(pongTimer);
            pongTimer = setTimeout(() => client.terminate(), pongTimeoutMs);
          }
        },
        pong: (received) => {
          if (received) {
            clearTimeout(pongTimer);
          }
        },
        // A failed socket reports "error" and then "closed": report it once.
        error: (err) => {
          clearTimeout(pongTimer);
          this.up.delete(client);
          if (!closed) {
            closed = true;
            this.emit({ type: 'closed', client, reason: err });
          }
        },
        closed: (event) => {
          clearTimeout(pongTimer);
          this.up.delete(client);
          if (!closed) {
            closed = true;
            this.emit({ type: 'closed', client, reason: event });
          }
        },
      },
    });
    return client;
  }
}
