#!/usr/bin/env node
// admin.mjs drives the admin SPA of the built web demo (web-demo/dist,
// served by the real server at /demo/admin.html) in Debian's Chromium
// through playwright-core, with one browser page and the API beside it:
//
//	a) the admin opens the queue (the development admin session, else the
//	   pasted token) and waits until it is live;
//	b) a new customer, created through the API (importOrder), posts
//	   through the API: the post ENTERS the queue live, with its content,
//	   and the count goes up by one, without a reload;
//	c) the admin approves it: the card stays with "Approved by you", the
//	   count goes down by exactly one (a later post by another new
//	   customer enters and the count is one up from there, so no second
//	   drop was pending); that one, approved by another admin (the API),
//	   leaves with a note and the count goes down again;
//	d) the admin opens the author from the card, is told in words that a
//	   silence needs a reason, silences them for 7 days; the author's next
//	   post through the API is refused with FORBIDDEN, saying until when
//	   and why; the author's record lists the approval;
//	e) the Silenced screen lists them with the reason; lifting the silence
//	   lets them post again.
//
// Usage (server/browser_admin_test.go runs it against a server it starts
// in development mode with demo data):
//
//	AFTERCART_URL=http://127.0.0.1:8080 AFTERCART_ADMIN_TOKEN=<jwt> \
//	  AFTERCART_AUTHOR_EMAIL=ines@example.com AFTERCART_AUTHOR_TOKEN=<jwt of that email> \
//	  AFTERCART_OTHER_TOKEN=<jwt of another new customer, e.g. jonas@example.com> \
//	  [AFTERCART_ARTIFACTS=web-demo/test-results/admin] [CHROMIUM=/usr/bin/chromium] \
//	  node web-demo/e2e/admin.mjs
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

const required = envReader('admin.mjs');
const serverURL = required('AFTERCART_URL').replace(/\/$/, '');
const adminToken = required('AFTERCART_ADMIN_TOKEN');
const authorEmail = required('AFTERCART_AUTHOR_EMAIL');
const authorToken = required('AFTERCART_AUTHOR_TOKEN');
const otherToken = required('AFTERCART_OTHER_TOKEN');
const artifacts = path.resolve(
  process.env.AFTERCART_ARTIFACTS ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'admin'),
);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const run = Date.now().toString(36);
const desktop = { viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' };

const asAdmin = apiClient(serverURL, adminToken);
const asAuthor = apiClient(serverURL, authorToken);
const asOther = apiClient(serverURL, otherToken);

const createPost = `mutation ($input: CreatePostInput!) { createPost(input: $input) { post { id status } } }`;

/** rawPost posts as token and returns the whole GraphQL answer, errors included. */
async function rawPost(token, body) {
  const res = await fetch(`${serverURL}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: createPost, variables: { input: { topic: 'unboxing', body } } }),
  });
  return res.json();
}

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

/** countIs waits until the queue's count reads n. */
async function countIs(n) {
  await page.waitForFunction((want) => document.querySelector('[data-testid="queue-count"]')?.textContent === String(want), n, {
    timeout: 15_000,
    polling: 50,
  });
}

describe('admin SPA in Chromium', { timeout: 120_000 }, () => {
  let start;
  let postId;

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

  it('a) the admin opens the live queue', async () => {
    await page.goto(`${serverURL}/demo/admin.html#/queue`);
    const signIn = page.getByTestId('sign-in');
    const queue = page.getByTestId('queue');
    await Promise.race([signIn.waitFor(), queue.waitFor()]);
    if (await signIn.isVisible()) {
      await page.getByTestId('token-input').fill(adminToken);
      await page.getByTestId('sign-in-submit').click();
    }
    // Live and caught up: the refetch after subscribing has run.
    await page.locator('[data-testid="queue-live"][data-state="live"][data-synced="true"]').waitFor({ timeout: 15_000 });
    start = Number(await page.getByTestId('queue-count').textContent());
    assert.ok(start >= 1, `the seeded queue holds ${start} items`);
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    await screenshot('a1-queue-live');
  });

  it('b) a new customer posts: the post enters the queue live, the count goes up by one', async () => {
    const local = authorEmail.split('@')[0];
    await asAdmin(
      `mutation ($input: ImportOrderInput!) { importOrder(input: $input) { created } }`,
      {
        input: {
          externalId: `admin-e2e-${run}`,
          number: `AE-${run}`,
          placedAt: new Date().toISOString(),
          currencyCode: 'EUR',
          customer: { email: authorEmail, firstName: 'Inès', lastName: 'Moreau' },
          items: [{ externalId: `admin-e2e-${run}-1`, sku: 'ETH-YIRG-250', name: 'Ethiopia Yirgacheffe, whole bean, 250 g', quantity: 1, unitPrice: '14.90' }],
          shippingAddress: { name: `Inès Moreau (${local})`, line1: 'Rue du Test 1', city: 'Lyon', countryCode: 'FR' },
        },
      },
    );
    const body = `First post from Inès, still waiting for the beans (${run}).`;
    const created = (await asAuthor(createPost, { input: { topic: 'unboxing', body } })).createPost.post;
    assert.equal(created.status, 'PENDING', 'a new customer\'s first post waits');
    postId = created.id;

    const card = page.locator(`[data-testid="queue-item"][data-item-id="${postId}"]`);
    await card.waitFor({ timeout: 15_000 });
    await countIs(start + 1);
    assert.equal(await card.getByTestId('item-body').textContent(), body, 'the entered item shows its content');
    assert.equal(await card.getByTestId('item-heading').textContent(), 'Post in Unboxing by Inès M.');
    assert.equal(await card.getAttribute('data-state'), 'waiting');
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
    await card.scrollIntoViewIfNeeded();
    await screenshot('b1-entered-live');
  });

  it('c) the admin approves it: the card stays, the count goes down by exactly one', async () => {
    const card = page.locator(`[data-testid="queue-item"][data-item-id="${postId}"]`);
    await card.getByTestId('action-approve').click();
    await page.locator(`[data-testid="queue-item"][data-item-id="${postId}"][data-state="decided"]`).waitFor({ timeout: 15_000 });
    assert.equal(await card.getByTestId('decided').textContent(), 'Approved by you.');
    assert.equal(await card.getAttribute('data-status'), 'PUBLISHED');
    await countIs(start);

    // Another new customer's post enters after the LEFT event: the feed is
    // ordered, so a second drop for the approval would have come first.
    const other = (await asOther(createPost, { input: { topic: 'how-to', body: `A question about grind size (${run}).` } })).createPost.post;
    assert.equal(other.status, 'PENDING');
    await page.locator(`[data-testid="queue-item"][data-item-id="${other.id}"]`).waitFor({ timeout: 15_000 });
    await countIs(start + 1);
    assert.equal(await card.getByTestId('decided').textContent(), 'Approved by you.', 'the decided card is still there');
    await screenshot('c1-approved-stays');

    // Another admin (here: the API) decides that one: it leaves with a note.
    await asAdmin(`mutation ($input: ModerateInput!) { moderate(input: $input) { item { id } } }`, {
      input: { itemId: other.id, action: 'APPROVE' },
    });
    const gone = page.locator(`[data-testid="queue-item"][data-item-id="${other.id}"][data-state="left"]`);
    await gone.waitFor({ timeout: 15_000 });
    assert.equal(await gone.getByTestId('left-note').textContent(), 'Decided by another moderator: now published.');
    await countIs(start);
  });

  it('d) the admin silences the author, whose next post is refused', async () => {
    const card = page.locator(`[data-testid="queue-item"][data-item-id="${postId}"]`);
    await card.getByTestId('show-item-author').click();
    const author = card.getByTestId('author-record');
    await author.getByTestId('author-name').waitFor();
    assert.equal(await author.getByTestId('author-name').textContent(), 'Inès Moreau');
    assert.equal(await author.getByTestId('silence-status').textContent(), 'Not silenced');
    await author.getByTestId('author-trail').getByTestId('trail-entry').first().waitFor();
    const trail = await author.getByTestId('author-trail').getByTestId('trail-entry').allTextContents();
    assert.ok(trail.some((t) => /Post: Approved by /.test(t)), `the author's record lists the approval: ${trail}`);

    // A silence needs a reason: the SPA says so before the server does.
    await author.getByTestId('silence-preset-7').click();
    await author.getByTestId('silence-submit').click();
    assert.match(await author.getByTestId('silence-error').textContent(), /Say why/);
    await author.getByTestId('silence-reason').fill('Spam links in every post');
    await author.getByTestId('silence-submit').click();
    await author.getByTestId('silence-message').waitFor();
    assert.match(await author.getByTestId('silence-message').textContent(), /^Inès Moreau is silenced until /);
    assert.match(await author.getByTestId('silence-status').textContent(), /^Silenced until .*: Spam links in every post$/);
    await screenshot('d1-silenced');

    const refused = await rawPost(authorToken, `Buy cheap beans here (${run}).`);
    assert.equal(refused.data, null);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(refused));
    assert.match(refused.errors[0].message, /silenced in the community until .*Spam links in every post/);
  });

  it('e) the silenced screen lists them; lifting the silence lets them post', async () => {
    await page.getByTestId('nav-silenced').click();
    const row = page.getByTestId('silenced-row').filter({ hasText: authorEmail });
    await row.waitFor({ timeout: 15_000 });
    assert.match(await row.getByTestId('silence-status').textContent(), /Spam links in every post/);
    await screenshot('e1-silenced-list');
    await row.getByTestId('unsilence').click();
    await row.getByTestId('silence-message').waitFor();
    assert.equal(await row.getByTestId('silence-status').textContent(), 'Not silenced');
    const again = await rawPost(authorToken, `Sorry about that (${run}).`);
    assert.equal(again.errors, undefined, JSON.stringify(again));
    assert.equal(again.data.createPost.post.status, 'PUBLISHED', 'an author with an approved post publishes at once');
  });
});
