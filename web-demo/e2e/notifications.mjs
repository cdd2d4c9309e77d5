#!/usr/bin/env node
// notifications.mjs drives the in-app notifications of the built web demo
// (web-demo/dist, served by the real server at /demo/) in Debian's
// Chromium through playwright-core, at phone width, as the demo customer
// on the seeded demo data, issue 13's "an in-app notification appears live
// on the open order page":
//
//	a) one of the customer's orders is open; the header's bell is live and
//	   shows the API's unread count (the seeded orders' confirmations);
//	b) a new order for the customer is imported through the API, as the
//	   store's integration does: its confirmation appears on the open order
//	   page and the bell counts it, without a reload;
//	c) the bell's list has it on top, unread; "Mark all read" clears the
//	   count, and the API agrees.
//
// Usage (server/browser_notifications_test.go runs it against a server it
// starts in development mode with demo data):
//
//	AFTERCART_URL=http://127.0.0.1:8080 AFTERCART_CUSTOMER_TOKEN=<jwt of demo@aftercart.dev> \
//	  AFTERCART_INTEGRATION_TOKEN=<jwt> AFTERCART_CUSTOMER_EMAIL=demo@aftercart.dev \
//	  [AFTERCART_ARTIFACTS=web-demo/test-results/notifications] [CHROMIUM=/usr/bin/chromium] \
//	  node web-demo/e2e/notifications.mjs
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

const required = envReader('notifications.mjs');
const serverURL = required('AFTERCART_URL').replace(/\/$/, '');
const customerToken = required('AFTERCART_CUSTOMER_TOKEN');
const integrationToken = required('AFTERCART_INTEGRATION_TOKEN');
const customerEmail = required('AFTERCART_CUSTOMER_EMAIL');
const artifacts = path.resolve(
  process.env.AFTERCART_ARTIFACTS ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'notifications'),
);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB', timezoneId: 'Europe/Berlin' };

const asStore = apiClient(serverURL, integrationToken);
const asCustomer = apiClient(serverURL, customerToken);

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

/** unreadOnServer is the customer's unread count, as the API says. */
async function unreadOnServer() {
  return (await asCustomer(`{ viewer { notifications(first: 1) { unreadCount } } }`)).viewer.notifications.unreadCount;
}

/** bellShows waits until the bell counts n unread. */
async function bellShows(n) {
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid="notifications-bell"]')?.getAttribute('data-unread') === String(want),
    n,
    { timeout: 15_000, polling: 50 },
  );
}

/** bellAgreesWithServer waits until the bell shows the API's count (deliveries of the seed may still be landing). */
async function bellAgreesWithServer() {
  for (let i = 0; i < 30; i++) {
    const want = await unreadOnServer();
    try {
      await bellShows(want);
      return want;
    } catch {
      // the count moved meanwhile: read it again
    }
  }
  throw new Error('the bell never showed the API’s unread count');
}

describe('in-app notifications in Chromium', { timeout: 180_000 }, () => {
  let number;
  let unread;
  const newNumber = `NTF-${Date.now().toString(36).toUpperCase()}`;

  before(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });
    console.log(`browser: Chromium ${browser.version()} (${executablePath}), server ${serverURL}`);
    const context = await browser.newContext(phone);
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
    const orders = await asCustomer(`{ orders(first: 1) { edges { node { number } } } }`);
    number = orders.orders.edges[0]?.node.number;
    assert.ok(number, 'the demo customer has an order');
  });

  after(async () => {
    await browser?.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(attempted.flat(), [], 'no request left the machine');
  });

  it('a) the order page is open and the bell is live with the API’s unread count', async () => {
    await page.goto(`${serverURL}/demo/#/orders/${encodeURIComponent(number)}`);
    const signIn = page.getByTestId('sign-in');
    const detail = page.getByTestId('order-detail');
    await Promise.race([signIn.waitFor(), detail.waitFor()]);
    if (await signIn.isVisible()) {
      await page.getByTestId('token-input').fill(customerToken);
      await page.getByTestId('sign-in-submit').click();
    }
    await detail.waitFor();
    await page.locator('[data-testid="notifications-bell"][data-live="live"]').waitFor({ timeout: 15_000 });
    unread = await bellAgreesWithServer();
    assert.ok(unread > 0, 'the seeded orders were confirmed in the app too');
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    await screenshot('a1-order-page');
  });

  it('b) a new order’s confirmation appears live on the open order page', async () => {
    await asStore(
      `mutation ($input: ImportOrderInput!) { importOrder(input: $input) { created } }`,
      {
        input: {
          externalId: `ext-${newNumber}`,
          number: newNumber,
          placedAt: new Date().toISOString(),
          currencyCode: 'EUR',
          customer: { email: customerEmail, firstName: 'Mina' },
          items: [{ externalId: `${newNumber}-1`, sku: 'NTF-1', name: 'Notification mug', quantity: 1, unitPrice: '12.00' }],
          shippingCost: '0.00',
          shippingAddress: { name: 'Mina Okafor', line1: 'Torstraße 1', city: 'Berlin', postalCode: '10119', countryCode: 'DE' },
        },
      },
    );
    const notice = page.locator('[data-testid="live-notification"]', { hasText: `Order ${newNumber} confirmed` });
    await notice.waitFor({ timeout: 15_000 });
    assert.match(await notice.textContent(), /Thank you, Mina!/, 'with the in-app template’s body');
    await bellShows(unread + 1);
    assert.equal(await page.getByTestId('order-detail').getAttribute('data-number'), number, 'still the same order page');
    assert.ok(await page.evaluate(() => window.__notReloaded), 'no reload');
    await screenshot('b1-live-notification');
  });

  it('c) the bell lists it on top, unread; "Mark all read" clears the count', async () => {
    await page.getByTestId('notifications-bell').click();
    const first = page.getByTestId('notification').first();
    await first.waitFor();
    assert.equal(await first.getByTestId('notification-title').textContent(), `Order ${newNumber} confirmed`);
    assert.equal(await first.getAttribute('data-read'), 'false');
    await screenshot('c1-bell');
    await page.getByTestId('notifications-read-all').click();
    await bellShows(0);
    assert.equal(await unreadOnServer(), 0, 'the API agrees');
    assert.equal(await first.getAttribute('data-read'), 'true');
    assert.equal(await page.getByTestId('live-notification').count(), 0, 'read notifications leave the order page');
    assert.ok(await page.evaluate(() => window.__notReloaded), 'no reload');
    await screenshot('c2-all-read');
  });
});
