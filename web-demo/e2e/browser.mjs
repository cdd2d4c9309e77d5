#!/usr/bin/env node
// browser.mjs drives the built order-status page (web-demo/dist, served by the
// real server at /demo/) in Debian's Chromium through playwright-core, at a
// phone's width, and records tracking events through the GraphQL API while
// the page is open:
//
//	a) the order list shows the demo orders; AC-1001 opens with its timeline;
//	   every product image loads (they ship with the server);
//	b) an event recorded through the API appears on the open page, no reload;
//	c) the page survives a dropped websocket: the page is served through a
//	   TCP proxy that then kills the websocket and refuses connections while
//	   three events are recorded; once it accepts again, the three appear
//	   once each, in order, and nothing else is duplicated;
//	d) where the server has no development session (production), the page
//	   asks for a token and signs in with it.
//
// Usage (server/browser_test.go runs it against a server it starts in
// development mode with demo data and the carrier simulator off):
//
//	AFTERCART_URL=http://127.0.0.1:8080 AFTERCART_INTEGRATION_TOKEN=<jwt> \
//	  [AFTERCART_ARTIFACTS=web-demo/test-results/browser] [CHROMIUM=/usr/bin/chromium] \
//	  node web-demo/e2e/browser.mjs
//
// Every request to a host other than the loopback is aborted (offline.mjs)
// and fails the run: the page must work without the internet.
//
// Each scenario ends with a full-page screenshot in AFTERCART_ARTIFACTS; the
// paths are printed as "screenshot: <path>". Never downloads a browser.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { apiClient, envReader } from './api.mjs';
import { chromiumArgs, offline } from './offline.mjs';

const required = envReader('browser.mjs');

const serverURL = required('AFTERCART_URL').replace(/\/$/, '');
const integrationToken = required('AFTERCART_INTEGRATION_TOKEN');
const gql = apiClient(serverURL, integrationToken);
const artifacts = path.resolve(
  process.env.AFTERCART_ARTIFACTS ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'browser'),
);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
/** A suffix that keeps event ids unique when the script runs twice against one server. */
const run = Date.now().toString(36);
const orderNumber = 'AC-1001';

/** A phone: 375 px wide, touch, in Hamburg's language and time zone. */
const phone = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'en-GB',
  timezoneId: 'Europe/Berlin',
};

// --- The API, spoken to directly (never through the proxy): gql (api.mjs).

/** theShipment returns AC-1001's only shipment, with its timeline as the API has it. */
async function theShipment() {
  const data = await gql(
    `query BrowserTestOrder($number: String!) {
      order(number: $number) {
        id
        shipments { id carrier trackingNumber trackingUrl events(first: 100) { edges { node { message } } } }
      }
    }`,
    { number: orderNumber },
  );
  const shipments = data.order.shipments;
  assert.equal(shipments.length, 1, `${orderNumber} has one shipment`);
  const s = shipments[0];
  return { ...s, messages: s.events.edges.map((e) => e.node.message) };
}

/** record records one checkpoint through recordTrackingEvents, the contract's mutation. */
async function record(shipment, id, message, occurredAt, extra = {}) {
  await gql(
    `mutation Track($input: RecordTrackingEventsInput!) {
      recordTrackingEvents(input: $input) { recorded shipment { id } }
    }`,
    {
      input: {
        carrier: shipment.carrier,
        trackingNumber: shipment.trackingNumber,
        ...extra,
        events: [
          {
            externalId: `browser-${run}-${id}`,
            status: 'IN_TRANSIT',
            message,
            location: 'Berlin, DE',
            occurredAt: occurredAt.toISOString(),
          },
        ],
      },
    },
  );
}

/** minutesAgo: event times in the recent past, increasing with each scenario. */
const minutesAgo = (m) => new Date(Date.now() - m * 60_000);

// --- A TCP proxy that can drop the page's websocket for real.

/**
 * startProxy forwards 127.0.0.1:<port> to the server byte for byte. dropWebSockets
 * resets every proxied websocket connection; while refusing, new connections
 * are reset as soon as they arrive.
 */
async function startProxy(target) {
  const { hostname, port } = new URL(target);
  const conns = new Set();
  let refusing = false;
  let websockets = 0;
  const server = net.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    const conn = { client, upstream, websocket: false };
    conns.add(conn);
    const close = () => {
      conns.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.once('data', (head) => {
      // An HTTP/1.1 upgrade: Chromium opens a new connection for each websocket.
      conn.websocket = /^upgrade:\s*websocket\s*$/im.test(head.toString('latin1'));
      if (conn.websocket) {
        websockets++;
      }
      upstream.write(head);
      client.pipe(upstream);
    });
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get websockets() {
      return websockets;
    },
    refuse() {
      refusing = true;
    },
    accept() {
      refusing = false;
    },
    dropWebSockets() {
      let n = 0;
      for (const c of conns) {
        if (c.websocket) {
          c.client.resetAndDestroy();
          c.upstream.destroy();
          n++;
        }
      }
      return n;
    },
    close() {
      for (const c of conns) {
        c.client.destroy();
        c.upstream.destroy();
      }
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

// --- The page.

let browser;
/** Uncaught exceptions in any page: the run fails if there are any. */
const pageErrors = [];
/** Per browser context, the requests its pages tried to send off the machine (offline.mjs): the run fails if there are any. */
const attempted = [];

async function openPage(url) {
  const context = await browser.newContext(phone);
  // The page must work with no internet: its product images ship with the
  // server. Anything else is aborted and reported.
  attempted.push(await offline(context));
  const page = await context.newPage();
  page.on('pageerror', (err) => {
    console.error(`page error: ${err.stack ?? err}`);
    pageErrors.push(err);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') {
      console.error(`console ${m.type()}: ${m.text()}`);
    }
  });
  await page.goto(url);
  return page;
}

async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  console.log(`screenshot: ${file}`);
}

/**
 * productImages scrolls each product image into view (they load lazily),
 * waits until every one has loaded and returns how many there are. A broken
 * image is replaced by a letter tile, so any tile fails the check.
 */
async function productImages(page) {
  const images = page.getByTestId('product-image');
  const n = await images.count();
  for (let i = 0; i < n; i++) {
    await images.nth(i).scrollIntoViewIfNeeded();
  }
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="product-image"]')].every((img) => img.complete && img.naturalWidth > 0),
    null,
    { timeout: 10_000, polling: 100 },
  );
  assert.equal(await page.getByTestId('product-placeholder').count(), 0, 'no letter tile stands in for a product image');
  const paths = await images.evaluateAll((imgs) => imgs.map((img) => new URL(img.src).pathname));
  for (const p of paths) {
    assert.match(p, /^\/demo\/products\/[\w-]+\.svg$/, 'product images come from the server itself');
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  return n;
}

/** timeline returns the messages the page shows for the shipment, top to bottom. */
function timeline(page) {
  return page.getByTestId('event-message').allTextContents();
}

/** liveState returns the banner's data-state. */
function liveState(page) {
  return page.getByTestId('live-status').getAttribute('data-state');
}

/** waitSynced waits until the page is live and holds everything committed so far. */
async function waitSynced(page) {
  await page.locator('[data-testid="live-status"][data-state="live"][data-synced="true"]').waitFor({ timeout: 20_000 });
}

async function waitForTop(page, messages, timeout = 15_000) {
  await page.waitForFunction(
    (want) => {
      const got = [...document.querySelectorAll('[data-testid="event-message"]')].map((e) => e.textContent);
      return want.every((m, i) => got[i] === m);
    },
    messages,
    { timeout, polling: 100 },
  );
}

// --- The scenarios.

describe('order-status page in Chromium', { timeout: 150_000 }, () => {
  let page;
  let shipment;

  before(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });
    console.log(`browser: Chromium ${browser.version()} (${executablePath}), server ${serverURL}`);
    shipment = await theShipment();
  });

  after(async () => {
    await browser?.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(attempted.flat(), [], 'no request left the machine');
  });

  it('a) lists the demo orders and opens AC-1001 with its timeline', async () => {
    page = await openPage(`${serverURL}/demo/`);
    await page.getByTestId('order-list').waitFor();
    const numbers = await page.getByTestId('order-card').evaluateAll((els) => els.map((e) => e.dataset.number));
    assert.deepEqual(numbers, ['AC-1006', 'AC-1005', 'AC-1004', 'AC-1003', 'AC-1002', 'AC-1001', 'AC-1000', 'AC-0994', 'AC-0987'], 'Mina’s orders, newest first (the last two are her loyalty history)');
    const card = page.locator('[data-testid="order-card"][data-number="AC-1004"]');
    assert.match(await card.getByTestId('order-status').textContent(), /customs/i, 'the customs hold shows in the list');
    assert.equal(await productImages(page), numbers.length, 'every order card shows its product image, loaded');
    await screenshot(page, 'a1-order-list');

    // A link to an order that is not the shopper's reads as a sentence.
    await page.goto(`${serverURL}/demo/#/orders/AC-2001`);
    assert.match(await page.getByTestId('error').textContent(), /couldn't find that order/);
    await page.getByRole('link', { name: 'All orders' }).click();

    await page.locator(`[data-testid="order-card"][data-number="${orderNumber}"]`).click();
    await page.waitForURL(/#\/orders\/AC-1001$/);
    await page.getByTestId('order-detail').waitFor();
    const shown = await timeline(page);
    assert.ok(shown.length >= 3, `a timeline of at least 3 events, got ${shown.length}`);
    assert.deepEqual(shown, shipment.messages, 'the timeline is the API’s, newest first');
    assert.match(await page.getByTestId('eta-slip').textContent(), /^Delayed: was .+, now .+$/);
    assert.equal(await page.getByTestId('tracking-link').getAttribute('href'), shipment.trackingUrl);
    assert.match(await page.getByTestId('return-window').textContent(), /starts once everything is delivered/);
    const items = await page.getByTestId('item').count();
    assert.ok(items >= 1, 'the items are listed');
    assert.equal(await productImages(page), items, 'every item shows its product image, loaded');
    await screenshot(page, 'a2-order-detail');
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, 'a3-order-detail-desktop');
    await page.setViewportSize(phone.viewport);
  });

  it('b) shows an event recorded through the API without a reload', async () => {
    await waitSynced(page);
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    const before = await timeline(page);
    const eta = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 4 * 86_400_000);
    const message = `Arrived at the delivery depot (${run} b)`;
    await record(shipment, 'b', message, minutesAgo(50), { estimatedDeliveryAt: eta.toISOString() });

    await waitForTop(page, [message]);
    assert.deepEqual(await timeline(page), [message, ...before], 'the new event on top, once, the rest unchanged');
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
    await page.waitForFunction(
      (want) => Date.parse(document.querySelector('[data-testid="eta"]')?.dataset.eta ?? '') === want,
      eta.getTime(),
      { timeout: 5_000 },
    );
    assert.equal(await liveState(page), 'live');
    await screenshot(page, 'b-live-event');
    await page.context().close();
  });

  it('c) survives a dropped websocket: missed events appear once, in order', async () => {
    const proxy = await startProxy(serverURL);
    try {
      const page = await openPage(`${proxy.url}/demo/#/orders/${orderNumber}`);
      await page.getByTestId('order-detail').waitFor();
      await waitSynced(page);

      // An update before the drop, so the page holds a cursor to resume from.
      const first = `Sorted for delivery (${run} c0)`;
      await record(shipment, 'c0', first, minutesAgo(40));
      await waitForTop(page, [first]);
      const before = await timeline(page);
      const sockets = proxy.websockets;

      proxy.refuse();
      assert.ok(proxy.dropWebSockets() >= 1, 'a websocket to drop');
      await page.waitForFunction(
        () => ['reconnecting', 'offline'].includes(document.querySelector('[data-testid="live-status"]')?.dataset.state),
        null,
        { timeout: 10_000, polling: 50 },
      );
      await screenshot(page, 'c1-reconnecting');

      const missed = [1, 2, 3].map((i) => `Loaded onto the delivery van ${i} (${run} c${i})`);
      for (const [i, m] of missed.entries()) {
        await record(shipment, `c${i + 1}`, m, minutesAgo(30 - i));
      }
      await sleep(2_000);
      assert.notEqual(await liveState(page), 'live', 'still cut off while the proxy refuses');
      assert.deepEqual(await timeline(page), before, 'nothing new arrives while cut off');

      proxy.accept();
      await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 30_000 });
      const expected = [...missed].reverse();
      await waitForTop(page, expected);
      await sleep(1_500); // time for any duplicate to show up
      const shown = await timeline(page);
      assert.deepEqual(shown, [...expected, ...before], 'the three missed events once each, newest first, nothing repeated');
      assert.equal(new Set(shown).size, shown.length, 'no message twice');
      assert.ok(proxy.websockets > sockets, `reconnected on a new websocket (${sockets} before the drop, ${proxy.websockets} now)`);
      assert.deepEqual(shown, (await theShipment()).messages, 'the page agrees with the API');
      await screenshot(page, 'c2-after-reconnect');
      await page.context().close();
    } finally {
      await proxy.close();
    }
  });

  it('d) without a development session, asks for a token and signs in with it', async () => {
    // Production answers /demo/session with 404: play that part.
    const { token } = await (await fetch(`${serverURL}/demo/session`)).json();
    const context = await browser.newContext(phone);
    await context.route('**/demo/session', (route) => route.fulfill({ status: 404, body: 'not found' }));
    attempted.push(await offline(context));
    const page = await context.newPage();
    await page.goto(`${serverURL}/demo/`);
    await page.getByTestId('sign-in').waitFor();
    await screenshot(page, 'd-sign-in');
    await page.getByLabel('Customer token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('order-list').waitFor();
    assert.equal(await page.getByTestId('order-card').count(), 9, 'Mina’s nine orders, as in a)');
    await context.close();
  });
});
