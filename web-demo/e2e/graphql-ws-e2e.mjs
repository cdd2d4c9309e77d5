#!/usr/bin/env node
// graphql-ws-e2e follows one order's live shipment updates with the official
// graphql-ws client, the way the mobile app does, and resumes from a cursor
// after dropping its connection.
//
// Usage:
//
//	node e2e/graphql-ws-e2e.mjs --url http://127.0.0.1:8080 --token <jwt> --order <id> \
//	  --count 8 [--resume-after 3] [--hold] [--probe probe-] [--after <cursor>] \
//	  [--timeout 20] [--linger 0]
//
// --url, --token and --order fall back to AFTERCART_URL, AFTERCART_TOKEN and
// AFTERCART_ORDER_ID. The URL may be http(s) or ws(s), with or without /query.
//
// stdout carries one line per step, so a test can follow along:
//
//	ready           the subscription is live (see --probe)
//	{...}           one update: the shipmentUpdated payload as received, as JSON
//	paused          after --resume-after updates, the first client is disposed
//	done            --count updates arrived; the script exits 0
//
// Lines that are JSON objects are updates; every other line is a bare word.
//
// Handshake. shipmentUpdated without `after` streams only what commits once
// the subscription is live, and the protocol has no "subscribed" message:
// only a streamed update proves it. With --probe <text>, updates whose
// event message contains <text> are probes: the first one prints "ready",
// and no probe is printed or counted. A test records probes until it reads
// "ready", then records the real events. Without --probe, "ready" is printed
// once the connection is acknowledged.
//
// Resume. After --resume-after updates, the first client unsubscribes and is
// disposed, and the script prints "paused". With --hold it then waits for a
// line on stdin (so a test can record events while no client is connected).
// A new client subscribes with `after: <the last cursor>` and counting goes
// on: the printed updates must be the --count updates in order, none twice.
//
// Exit status: 0 after --count updates (and, with --linger <ms>, no further
// update within that time); 1 on any error, an early end of the stream, an
// unexpected update, or after --timeout seconds.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const subscription = `subscription OrderUpdates($orderId: ID!, $after: String) {
  shipmentUpdated(orderId: $orderId, after: $after) {
    cursor
    shipment { id status subStatus latestEstimatedDeliveryAt }
    event { status subStatus message location occurredAt }
  }
}`;

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.AFTERCART_URL },
    token: { type: 'string', default: process.env.AFTERCART_TOKEN },
    order: { type: 'string', default: process.env.AFTERCART_ORDER_ID },
    count: { type: 'string', default: '1' },
    'resume-after': { type: 'string', default: '0' },
    hold: { type: 'boolean', default: false },
    probe: { type: 'string' },
    after: { type: 'string' },
    timeout: { type: 'string', default: '20' },
    linger: { type: 'string', default: '0' },
  },
});

/** die reports why the run failed and exits 1. */
function die(message) {
  process.stderr.write(`graphql-ws-e2e: ${message}\n`);
  process.exit(1);
}

/** out prints one line on stdout (synchronous for files and pipes on POSIX). */
function out(line) {
  process.stdout.write(`${line}\n`);
}

function intOption(name, min) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    die(`--${name} must be an integer ≥ ${min}, got ${values[name]}`);
  }
  return n;
}

for (const name of ['url', 'token', 'order']) {
  if (!values[name]) {
    die(`missing --${name}`);
  }
}
const count = intOption('count', 1);
const resumeAfter = intOption('resume-after', 0);
const timeout = intOption('timeout', 1);
const linger = intOption('linger', 0);
if (resumeAfter >= count) {
  die(`--resume-after (${resumeAfter}) must be below --count (${count})`);
}
const url = websocketURL(values.url);

/** websocketURL turns a base or endpoint URL into the ws(s) /query URL. */
function websocketURL(raw) {
  const u = new URL(raw);
  u.protocol = u.protocol.replace(/^http/, 'ws');
  if (!u.pathname.endsWith('/query')) {
    u.pathname = u.pathname.replace(/\/?$/, '/query');
  }
  return u.toString();
}

/** describe renders an error or a websocket CloseEvent. */
function describe(err) {
  if (err && typeof err === 'object' && 'code' in err && 'reason' in err) {
    return `connection closed: ${err.code} ${err.reason}`;
  }
  if (Array.isArray(err)) {
    return JSON.stringify(err); // GraphQL errors
  }
  return err?.message ?? String(err);
}

let received = 0;
let cursor = values.after ?? null;
let ready = false;

/**
 * follow runs one client until `received` reaches stopAt (then waits
 * lingerMs for anything unexpected), and disposes it. Any error, close or
 * completion before that fails the run.
 */
async function follow(n, stopAt, lingerMs) {
  let settled = false;
  let release = () => {};
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    // Connect now, not on first subscribe: the default lazy mode can lose
    // the first `next` of a subscription issued right after another ended.
    lazy: false,
    // A silent reconnect would resubscribe with the original variables,
    // not from the last cursor: any drop must fail the run instead.
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${values.token}` },
    onNonLazyError: (err) => {
      if (!settled) {
        die(`client ${n}: ${describe(err)}`);
      }
    },
  });
  try {
    await new Promise((resolve, reject) => {
      const fail = (message) => {
        if (!settled) {
          settled = true;
          reject(new Error(`client ${n}: ${message}`));
        }
      };
      const finish = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      client.on('closed', (event) => fail(describe(event)));
      if (!values.probe) {
        client.on('connected', () => {
          if (!ready) {
            ready = true;
            out('ready');
          }
        });
      }
      const variables = { orderId: values.order };
      if (cursor) {
        variables.after = cursor;
      }
      release = client.subscribe(
        { query: subscription, operationName: 'OrderUpdates', variables },
        {
          next(result) {
            if (settled) {
              return; // after a failure, or between unsubscribing and closing
            }
            if (result.errors?.length) {
              fail(`errors: ${JSON.stringify(result.errors)}`);
              return;
            }
            const update = result.data?.shipmentUpdated;
            if (!update) {
              fail(`a result without an update: ${JSON.stringify(result)}`);
              return;
            }
            if (values.probe && update.event?.message?.includes(values.probe)) {
              process.stderr.write(`graphql-ws-e2e: client ${n}: probe ${update.event.message}\n`);
              if (!ready) {
                ready = true;
                out('ready');
              }
              return;
            }
            if (!ready) {
              fail(`an update before the subscription was confirmed live: ${JSON.stringify(update)}`);
              return;
            }
            out(JSON.stringify(update));
            received++;
            cursor = update.cursor;
            if (received > stopAt) {
              fail(`update ${received} arrived after the last expected one (${stopAt})`);
            } else if (received === stopAt) {
              if (lingerMs > 0) {
                setTimeout(finish, lingerMs);
              } else {
                finish();
              }
            }
          },
          error(err) {
            fail(describe(err));
          },
          complete() {
            fail(`the server ended the subscription after ${received} updates`);
          },
        },
      );
    });
  } finally {
    settled = true;
    release(); // sends `complete` for the subscription
    await client.dispose(); // closes the socket with 1000
  }
}

// Not unref'd: a run that hangs with nothing pending must still fail loudly.
setTimeout(() => die(`timed out after ${timeout} s with ${received} of ${count} updates`), timeout * 1000);

try {
  if (resumeAfter > 0) {
    await follow(1, resumeAfter, 0);
    out('paused');
    if (values.hold) {
      const lines = createInterface({ input: process.stdin });
      const got = await Promise.race([
        once(lines, 'line').then(() => true),
        once(lines, 'close').then(() => false),
      ]);
      lines.close();
      if (!got) {
        die('stdin closed while holding before the resume');
      }
    }
  }
  await follow(resumeAfter > 0 ? 2 : 1, count, linger);
} catch (err) {
  die(err.message);
}
out('done');
process.exit(0);
