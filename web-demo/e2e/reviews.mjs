#!/usr/bin/env node
// reviews.mjs drives the review screens of the built web demo (web-demo/dist,
// served by the real server at /demo/) in Debian's Chromium through
// playwright-core, at a phone's width:
//
//	a) the demo customer opens her delivered order AC-1000, writes a review
//	   of the paper filters with four stars, a title, a text and a photo
//	   (uploaded over the GraphQL multipart request spec, shown from the
//	   server's thumbnail) and sees it with its status in words;
//	b) the filters' review page shows the summary (count, histogram) and
//	   the reviews with their photos and the store's reply; a staff reply
//	   recorded through the API (ADMIN token) appears on the open page
//	   without a reload.
//
// Usage (server/browser_reviews_test.go runs it against a server it starts
// in development mode with demo data):
//
//	AFTERCART_URL=http://127.0.0.1:8080 AFTERCART_ADMIN_TOKEN=<jwt> \
//	  AFTERCART_PHOTO=server/demo/photos/filter.jpg \
//	  [AFTERCART_ARTIFACTS=web-demo/test-results/reviews] [CHROMIUM=/usr/bin/chromium] \
//	  node web-demo/e2e/reviews.mjs
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

const required = envReader('reviews.mjs');
const serverURL = required('AFTERCART_URL').replace(/\/$/, '');
const admin = apiClient(serverURL, required('AFTERCART_ADMIN_TOKEN'));
const photo = path.resolve(required('AFTERCART_PHOTO'));
const artifacts = path.resolve(
  process.env.AFTERCART_ARTIFACTS ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'reviews'),
);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const run = Date.now().toString(36);

const phone = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'en-GB',
  timezoneId: 'Europe/Berlin',
};

let browser;
const pageErrors = [];
const attempted = [];

async function openPage(url) {
  const context = await browser.newContext(phone);
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

/** imagesLoaded waits until every image matched by selector has loaded (naturalWidth > 0). */
async function imagesLoaded(page, selector) {
  const n = await page.locator(selector).count();
  for (let i = 0; i < n; i++) {
    await page.locator(selector).nth(i).scrollIntoViewIfNeeded();
  }
  await page.waitForFunction(
    (sel) => [...document.querySelectorAll(sel)].every((img) => img.complete && img.naturalWidth > 0),
    selector,
    { timeout: 10_000, polling: 100 },
  );
  return n;
}

describe('review screens in Chromium', { timeout: 150_000 }, () => {
  let page;
  let reviewId;
  let productId;

  before(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });
    console.log(`browser: Chromium ${browser.version()} (${executablePath}), server ${serverURL}`);
  });

  after(async () => {
    await browser?.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(attempted.flat(), [], 'no request left the machine');
  });

  it('a) writes a review with a photo from the order page and sees it', async () => {
    page = await openPage(`${serverURL}/demo/#/orders/AC-1000`);
    await page.getByTestId('order-detail').waitFor();
    const filters = page.getByTestId('item').filter({ hasText: 'Paper filters' });
    const mug = page.getByTestId('item').filter({ hasText: 'Enamel camp mug' });
    // Mina reviewed the mug in the seed data: she may edit that one.
    await mug.getByTestId('edit-review').waitFor();
    assert.equal(await mug.getByTestId('review-status').textContent(), 'Published');
    await filters.getByTestId('write-review').click();
    const form = filters.getByTestId('review-form');
    await form.getByLabel('4 out of 5 stars').check({ force: true });
    await form.getByTestId('review-title').fill(`Sturdy enough (${run})`);
    await form.getByTestId('review-body').fill('None tore in the last twenty brews. Fast drawdown, clean cup.');
    await form.getByTestId('photo-input').setInputFiles(photo);
    await form.getByTestId('photo-thumb').waitFor({ timeout: 15_000 });
    assert.match(await form.getByTestId('photo-thumb').getAttribute('src'), /^\/media\/[\w-]+$/, 'the thumbnail comes from the server');
    await imagesLoaded(page, '[data-testid="photo-thumb"]');
    await screenshot(page, 'a1-review-form');

    await form.getByTestId('submit-review').click();
    const own = filters.getByTestId('own-review');
    await own.waitFor({ timeout: 15_000 });
    // Mina received the filters (AC-1000 was delivered): a verified
    // review with no watched word is published at once.
    assert.equal(await own.getByTestId('review-status').textContent(), 'Published');
    assert.match(await own.textContent(), /None tore in the last twenty brews/);
    reviewId = await own.getAttribute('data-review-id');
    assert.equal(await imagesLoaded(page, '[data-testid="own-review-photo"]'), 3, 'her seeded reviews (coffee, mug) and the new one show their photos');
    await own.scrollIntoViewIfNeeded();
    await screenshot(page, 'a2-review-posted');

    // After a reload the page still knows it is hers.
    await page.reload();
    await filters.getByTestId('edit-review').waitFor({ timeout: 15_000 });
    assert.equal(await filters.getByTestId('write-review').count(), 0);
  });

  it('b) the product page shows the reviews, and a staff reply arrives live', async () => {
    await page.getByTestId('item').filter({ hasText: 'Paper filters' }).getByTestId('product-reviews-link').click();
    await page.getByTestId('product-reviews').waitFor();
    productId = await page.getByTestId('product-reviews').getAttribute('data-product-id');
    const summary = page.getByTestId('review-summary');
    // Leo's two-star review (seeded, with a photo and the store's reply) and Mina's new one.
    assert.equal(await summary.getAttribute('data-count'), '2');
    const bars = await page.getByTestId('histogram-bar').evaluateAll((els) => els.map((e) => [e.dataset.rating, e.dataset.count]));
    assert.deepEqual(bars, [['5', '0'], ['4', '1'], ['3', '0'], ['2', '1'], ['1', '0']]);
    const reviews = page.getByTestId('review');
    assert.equal(await reviews.count(), 2);
    const leos = reviews.filter({ hasText: 'Two of the first ten filters tore' });
    assert.equal(await leos.getByTestId('review-author').textContent(), 'Leo B.');
    assert.equal(await leos.getByTestId('verified-buyer').count(), 1);
    assert.match(await leos.getByTestId('reply-body').first().textContent(), /fresh pack/);
    assert.equal(await imagesLoaded(page, '[data-testid="review-photo"] img'), 2, 'both reviews show their photo');
    const href = await leos.getByTestId('review-photo').getAttribute('href');
    const full = await fetch(new URL(href, serverURL));
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('content-type'), 'image/jpeg', 'the thumbnail links to the full photo');
    // Read the body: an unread one keeps its connection, and so node, alive
    // until the server times it out (~80 s after the last test).
    const jpeg = new Uint8Array(await full.arrayBuffer());
    assert.ok(jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8, 'the full photo is a JPEG');
    await page.locator('[data-testid="live-status"][data-state="live"][data-synced="true"]').waitFor({ timeout: 20_000 });
    await screenshot(page, 'b1-product-reviews');

    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    const body = `Thanks, Mina: glad the new batch holds up (${run}).`;
    const data = await admin(
      `mutation ReplyToReview($input: ReplyToReviewInput!) {
        replyToReview(input: $input) { reply { id body byMerchant createdAt } }
      }`,
      { input: { reviewId, body } },
    );
    assert.equal(data.replyToReview.reply.byMerchant, true);
    const mine = page.locator(`[data-testid="review"][data-review-id="${reviewId}"]`);
    await mine.getByTestId('reply-body').filter({ hasText: body }).waitFor({ timeout: 15_000 });
    assert.equal(await mine.getByTestId('reply-body').count(), 1, 'the reply once');
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
    await mine.scrollIntoViewIfNeeded();
    await screenshot(page, 'b2-live-reply');
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, 'b3-product-reviews-desktop');
    assert.ok(productId);
  });
});
