#!/usr/bin/env node
// outbox.mjs drives the admin SPA's outbox (/demo/admin.html#/outbox) of
// the built web demo in Debian's Chromium through playwright-core, at
// desktop width, issue 13's "Done when":
//
//	a) an order imported through the API (as the store's integration)
//	   shows its confirmation in the outbox, found by the customer's email,
//	   SENT to the development outbox;
//	b) its preview, read inside the sandboxed iframe, has every item with
//	   its quantity, and the tracking button linking to the order; the
//	   text part is there too; the iframe runs no script.
//
// Usage (server/browser_outbox_test.go runs it against a server it starts
// in development mode):
//
//	AFTERCART_URL=http://127.0.0.1:8080 AFTERCART_INTEGRATION_TOKEN=<jwt> AFTERCART_ADMIN_TOKEN=<jwt> \
//	  [AFTERCART_ARTIFACTS=web-demo/test-results/outbox] [CHROMIUM=/usr/bin/chromium] \
//	  node web-demo/e2e/outbox.mjs
//
// Every request to a host other than the loopback is aborted (offline.mjs)
// and fails the run. Screenshots go to AFTERCART_ARTIFACTS.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { apiClient, envReader } from './api.mjs';
import { chromiumArgs, offline } from './offline.mjs';

const required = envReader('outbox.mjs');
const serverURL = required('AFTERCART_URL').replace(/\/$/, '');
const integrationToken = required('AFTERCART_INTEGRATION_TOKEN');
const adminToken = required('AFTERCART_ADMIN_TOKEN');
const artifacts = path.resolve(
  process.env.AFTERCART_ARTIFACTS ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'outbox'),
);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const run = Date.now().toString(36);
const desktop = { viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' };

const asStore = apiClient(serverURL, integrationToken);
const email = `outbox-${run}@example.com`;
const number = `OB-${run}`.toUpperCase();
const items = [
  { externalId: `${number}-1`, sku: `OB-MUG-${run}`, name: `Ceramic mug ${run}`, quantity: 2, unitPrice: '12.50' },
  { externalId: `${number}-2`, sku: `OB-TEA-${run}`, name: `Sencha <tea> ${run}`, quantity: 1, unitPrice: '8.90' },
];

let browser;
let page;
const pageErrors = [];
const attempted = [];

async function screenshot(name) {
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  console.log(`screenshot: ${file}`);
}

describe('the admin outbox in Chromium', { timeout: 120_000 }, () => {
  before(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });
    console.log(`browser: Chromium ${browser.version()} (${executablePath}), server ${serverURL}`);
    const context = await browser.newContext(desktop);
    attempted.push(await offline(context));
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
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(attempted.flat(), [], 'no request left the machine');
  });

  it('a) an order imported through the API shows its confirmation in the outbox', async () => {
    await asStore(
      `mutation ($input: ImportOrderInput!) { importOrder(input: $input) { created order { number } } }`,
      {
        input: {
          externalId: `ext-${number}`,
          number,
          placedAt: new Date().toISOString(),
          currencyCode: 'EUR',
          customer: { email, firstName: 'Ada' },
          items,
          shippingCost: '4.90',
          shippingAddress: { name: 'Ada Lovelace', line1: 'Torstraße 1', city: 'Berlin', postalCode: '10119', countryCode: 'DE' },
        },
      },
    );
    await page.goto(`${serverURL}/demo/admin.html#/outbox`);
    const signIn = page.getByTestId('sign-in');
    const outbox = page.getByTestId('outbox');
    await Promise.race([signIn.waitFor(), outbox.waitFor()]);
    if (await signIn.isVisible()) {
      await page.getByTestId('token-input').fill(adminToken);
      await page.getByTestId('sign-in-submit').click();
    }
    await outbox.waitFor();
    await page.getByTestId('filter-email').fill(email);
    // The dispatcher takes the message within a poll: ask again until it is SENT.
    const row = page.locator(`[data-testid="outbox-message"][data-order="${number}"][data-kind="ORDER_CONFIRMATION"][data-channel="EMAIL"][data-status="SENT"]`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      await page.getByTestId('filter-apply').click();
      await page.locator('[data-testid="outbox-list"], [data-testid="outbox-empty"]').first().waitFor();
      if (await row.count()) {
        break;
      }
      assert.ok(Date.now() < deadline, `no SENT confirmation of ${number} in the outbox within 30 s`);
      await page.waitForTimeout(250);
    }
    // The filtered answer replaces the unfiltered list the screen opened with.
    // The confirmation goes by email and, as its twin, in the app.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="outbox-message"]').length === 2, null, { timeout: 15_000, polling: 50 });
    assert.deepEqual(
      (await page.getByTestId('outbox-message').evaluateAll((rows) => rows.map((r) => `${r.dataset.kind} ${r.dataset.channel}`))).sort(),
      ['ORDER_CONFIRMATION EMAIL', 'ORDER_CONFIRMATION IN_APP'],
      'the filter shows only this customer’s two messages: the confirmation by email and in the app',
    );
    assert.match(await row.textContent(), new RegExp(`${number}`), 'the subject names the order');
    // The journey filter suggests the server's journeys (the journeys query), not a list of its own.
    await page.waitForFunction(() => document.querySelectorAll('#outbox-journeys option').length > 3, null, { timeout: 15_000, polling: 50 });
    const journeys = await page.locator('#outbox-journeys option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(['order_confirmation', 'win_back', 'referral_thanks'].every((j) => journeys.includes(j)), `the journey suggestions: ${journeys}`);
    await screenshot('a1-outbox-list');
  });

  it('b) its preview, inside the sandboxed iframe, has the items and the tracking button', async () => {
    const row = page.locator(`[data-testid="outbox-message"][data-order="${number}"][data-channel="EMAIL"]`);
    await row.getByTestId('outbox-open').click();
    const iframe = page.getByTestId('preview-html');
    await iframe.waitFor();
    const sandbox = await iframe.getAttribute('sandbox');
    assert.ok(sandbox !== null && !sandbox.includes('allow-scripts'), `the preview is sandboxed without scripts (sandbox="${sandbox}")`);
    assert.ok(await iframe.getAttribute('srcdoc'), 'the preview is a srcdoc');
    const frame = page.frameLocator('[data-testid="preview-html"]');
    for (const it of items) {
      await frame.getByText(it.name, { exact: false }).first().waitFor({ timeout: 10_000 });
    }
    const body = await frame.locator('body').textContent();
    assert.match(body, /Thank you, Ada/i, 'it greets the customer by first name');
    assert.match(body, /Ceramic mug[^]*2/, 'the mug line shows its quantity');
    const button = frame.getByRole('link', { name: 'Track your order' });
    await button.waitFor();
    assert.match(await button.getAttribute('href'), new RegExp(`/orders/${number}$`), 'the tracking button links to the order');
    const text = await page.getByTestId('preview-text').textContent();
    for (const it of items) {
      assert.ok(text.includes(it.name), `the text part lists ${it.name}`);
    }
    await screenshot('b1-outbox-preview');
  });
});
