// offline.mjs: what the browser scripts share. Pages run as if the machine
// had no internet: every request to a host other than the loopback is
// aborted before it leaves, and remembered, so a script can assert that a
// page did not even try (a blocked CDN script or photo would otherwise only
// show as a blank page or a placeholder).

/** Hosts a page may reach: the server under test and the scripts' own proxies. */
const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** isLoopback tells whether url points at this machine. */
export function isLoopback(url) {
  try {
    const u = new URL(url);
    // data:, blob: and about: URLs never reach a network.
    return !['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol) || loopback.has(u.hostname);
  } catch {
    return false;
  }
}

/**
 * offline aborts every non-loopback request of the browser context, the
 * pages' workers' included, and every non-loopback websocket before it
 * connects, and returns the list it records them in (URLs, in order).
 */
export async function offline(context) {
  const attempted = [];
  await context.route(
    (u) => !isLoopback(u.href),
    (route) => {
      attempted.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  // Routes do not see websockets. A routed socket that is never connected to
  // its server stays on the machine; closing it fails the page's connection.
  await context.routeWebSocket(
    (u) => !isLoopback(u.href),
    (ws) => {
      attempted.push(ws.url());
      ws.close({ code: 1008, reason: 'blocked by the test: not loopback' });
    },
  );
  return attempted;
}

// The flags this machine's Chromium needs: its closed network refuses the
// background connections Chromium otherwise makes at start. playwright-core
// adds --headless and --no-sandbox and a fresh --user-data-dir itself.
export const chromiumArgs = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
