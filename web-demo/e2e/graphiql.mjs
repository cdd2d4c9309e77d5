#!/usr/bin/env node
// graphiql.mjs opens GraphiQL, which a development server serves at `/`
// (built from npm packages into web-demo/dist/graphiql.html), in Debian's
// Chromium through playwright-core, with every request to a host other than
// the loopback aborted and recorded:
//
//	a) the page loads and opens with the demo customer's token in the
//	   headers and the README's OrderStatus query in the editor;
//	b) clicking run shows AC-1001's data in the result pane, exactly what
//	   the server answered;
//	c) a reload opens with a token again (headers are not kept in storage);
//	d) a subscription typed into the editor streams over the /query websocket,
//	   authenticated by the headers (sent as the connection_init payload):
//	   checkpoints recorded through the API appear in the result pane;
//	and nothing tried to reach another host.
//
// Usage (server/browser_test.go runs it against a server it starts in
// development mode with demo data):
//
//	AFTERCART_URL=http://127.0.0.1:8080 AFTERCART_INTEGRATION_TOKEN=<jwt> \
//	  [AFTERCART_ARTIFACTS=web-demo/test-results/graphiql] [CHROMIUM=/usr/bin/chromium] \
//	  node web-demo/e2e/graphiql.mjs
//
// Screenshots go to AFTERCART_ARTIFACTS ("screenshot: <path>" lines).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { apiClient, envReader } from './api.mjs';
import { chromiumArgs, offline } from './offline.mjs';

const required = envReader('graphiql.mjs');

const here = path.dirname(fileURLToPath(import.meta.url));
const serverURL = required('AFTERCART_URL').replace(/\/$/, '');
const integrationToken = required('AFTERCART_INTEGRATION_TOKEN');
const gql = apiClient(serverURL, integrationToken);
const artifacts = path.resolve(process.env.AFTERCART_ARTIFACTS ?? path.join(here, '..', 'test-results', 'graphiql'));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
/** The query the page puts in the editor: the README's (server/explorer_test.go keeps them equal). */
const readmeQuery = readFileSync(path.join(here, '..', 'src', 'graphiql', 'OrderStatus.graphql'), 'utf8');

// Monaco renders spaces as U+00A0: both helpers read editors with plain spaces.

/** editorText returns what the Monaco editor at locator shows. */
function editorText(locator) {
  return locator.evaluate((el) => (el.querySelector('.view-lines')?.innerText ?? '').replace(/\u00a0/g, ' '));
}

/** waitShowing waits until the Monaco editor at locator shows text matching pattern (a RegExp source). */
async function waitShowing(locator, pattern, timeout = 30_000) {
  await locator.page().waitForFunction(
    ([el, pattern]) => new RegExp(pattern).test((el.querySelector('.view-lines')?.innerText ?? '').replace(/\u00a0/g, ' ')),
    [await locator.elementHandle(), pattern],
    { timeout },
  );
}

async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  console.log(`screenshot: ${file}`);
}

describe('GraphiQL offline in Chromium', { timeout: 120_000 }, () => {
  let browser;
  let context;
  let attempted;
  let page;
  let order;
  const pageErrors = [];

  before(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });
    console.log(`browser: Chromium ${browser.version()} (${executablePath}), server ${serverURL}`);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    attempted = await offline(context);
    page = await context.newPage();
    page.on('pageerror', (err) => {
      console.error(`page error: ${err.stack ?? err}`);
      pageErrors.push(err);
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') {
        console.error(`console ${m.type()}: ${m.text()}`);
      }
    });
  });

  after(async () => {
    await browser?.close();
    assert.deepEqual(attempted, [], 'no request left the machine');
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  /** headersToken waits for the headers editor to hold a bearer token and returns it. */
  async function headersToken() {
    const headers = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)');
    await waitShowing(headers, String.raw`"Bearer [\w-]+\.[\w-]+\.[\w-]+"`);
    const text = await editorText(headers);
    return JSON.parse(text).Authorization.replace(/^Bearer /, '');
  }

  it('a) opens with the demo token in the headers and the README query in the editor', async () => {
    await page.goto(`${serverURL}/`);
    const query = page.locator('.graphiql-query-editor .graphiql-editor');
    await query.locator('.view-lines').waitFor({ timeout: 60_000 });
    await waitShowing(query, 'query OrderStatus');
    const shown = (await editorText(query)).split('\n').map((l) => l.trimEnd());
    assert.deepEqual(shown, readmeQuery.trimEnd().split('\n'), "the editor holds the README's OrderStatus query");

    const token = await headersToken();
    // The token is the demo customer's: the API says who it belongs to.
    const res = await fetch(`${serverURL}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ orders(first: 1) { edges { node { customer { email } } } } }' }),
    });
    const body = await res.json();
    assert.equal(body.data?.orders.edges[0]?.node.customer.email, 'demo@aftercart.dev', 'the headers hold the demo customer’s token');
  });

  it('b) runs the query and shows AC-1001 in the result pane', async () => {
    const answered = page.waitForResponse(
      (r) => r.url().endsWith('/query') && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('OrderStatus'),
    );
    await page.getByRole('button', { name: /^Execute query/ }).click();
    const body = await (await answered).json();
    assert.equal(body.errors, undefined, `no errors: ${JSON.stringify(body.errors)}`);
    order = body.data.order;
    assert.equal(order.number, 'AC-1001');
    assert.equal(order.customer.firstName, 'Mina');
    assert.ok(order.shipments.length >= 1 && order.shipments[0].events.edges.length >= 1, 'a shipment with its timeline');

    const result = page.locator('.result-window');
    await waitShowing(result, '"number": "AC-1001"', 15_000);
    const pane = await editorText(result);
    for (const want of [`"id": "${order.id}"`, '"number": "AC-1001"', `"status": "${order.status}"`, '"firstName": "Mina"']) {
      assert.ok(pane.includes(want), `the result pane shows ${want}`);
    }
    await screenshot(page, 'graphiql-order-status');
  });

  it('c) opens with a token again after a reload', async () => {
    await page.reload();
    assert.ok(await headersToken(), 'a token in the headers after a reload');
  });

  it('d) streams a subscription over the websocket, signed in by the headers', async () => {
    const subscribed = new Promise((resolve) =>
      page.on('websocket', (ws) => ws.on('framesent', (f) => String(f.payload).includes('"subscribe"') && resolve())),
    );
    const query = page.locator('.graphiql-query-editor .graphiql-editor');
    await query.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText(
      `subscription Follow { shipmentUpdated(orderId: "${order.id}") { cursor shipment { status } event { message } } }`,
    );
    await waitShowing(query, 'subscription Follow');
    await page.getByRole('button', { name: /^Execute query/ }).click();
    await subscribed;

    // Without a cursor a stream carries what commits after the server has
    // joined it, and the protocol does not say when that is: record until
    // one checkpoint shows (each is a distinct event).
    const { carrier, trackingNumber } = order.shipments[0];
    const run = Date.now().toString(36);
    const result = page.locator('.result-window');
    for (let i = 1; ; i++) {
      const message = `Seen in GraphiQL (${run} ${i})`;
      await gql(
        `mutation Track($input: RecordTrackingEventsInput!) { recordTrackingEvents(input: $input) { recorded } }`,
        {
          input: {
            carrier,
            trackingNumber,
            events: [{ externalId: `graphiql-${run}-${i}`, status: 'IN_TRANSIT', message, occurredAt: new Date().toISOString() }],
          },
        },
      );
      try {
        await waitShowing(result, String.raw`"message": "Seen in GraphiQL \(${run} \d+\)"`, 1_000);
        break;
      } catch (err) {
        if (i === 10) {
          throw new Error(`no checkpoint of 10 reached the result pane: ${err.message}`);
        }
      }
    }
    assert.match(await editorText(result), /"shipmentUpdated": \{\s+"cursor": "[^"]+"/, 'the stream’s message is in the result pane');
    await screenshot(page, 'graphiql-subscription');
  });
});
