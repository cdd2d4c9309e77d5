#!/usr/bin/env node
// campaigns.mjs drives the admin SPA's campaign screen
// (/demo/admin.html#/campaigns) and the outbox's template editor of the
// built web demo in Debian's Chromium through playwright-core, at desktop
// width, issue 13's communication calendar:
//
//	a) an admin writes a campaign for a segment (a category only this
//	   run's customers bought), sees who it reaches before saving (2
//	   customers) and after (the count, the customers, the preview
//	   rendered for the first of them in the sandboxed iframe, and its
//	   text part), schedules it and cancels it;
//	b) another one, scheduled, goes when the server's clock reaches its
//	   time (AFTERCART_CLOCK_URL moves the test server's fake clock and
//	   sweeps); the admin, whose screen still says "Scheduled", presses
//	   cancel and reads why it is too late; the campaign's link opens the
//	   outbox filtered by the campaign, with its two messages SENT;
//	c) the ORDER_CONFIRMATION template, edited and unsaved, is previewed
//	   with one of this run's orders (its items in the iframe and the
//	   text part); an unknown variable is refused with the server's words
//	   at the subject.
//
// Usage (server/browser_campaigns_test.go runs it against a server it
// starts in development mode on a fake clock):
//
//	AFTERCART_URL=http://127.0.0.1:8080 AFTERCART_INTEGRATION_TOKEN=<jwt> AFTERCART_ADMIN_TOKEN=<jwt> \
//	  AFTERCART_CLOCK_URL=http://127.0.0.1:9090 \
//	  [AFTERCART_ARTIFACTS=web-demo/test-results/campaigns] [CHROMIUM=/usr/bin/chromium] \
//	  node web-demo/e2e/campaigns.mjs
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

const required = envReader('campaigns.mjs');
const serverURL = required('AFTERCART_URL').replace(/\/$/, '');
const integrationToken = required('AFTERCART_INTEGRATION_TOKEN');
const adminToken = required('AFTERCART_ADMIN_TOKEN');
const clockURL = required('AFTERCART_CLOCK_URL').replace(/\/$/, '');
const artifacts = path.resolve(
  process.env.AFTERCART_ARTIFACTS ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'campaigns'),
);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const run = Date.now().toString(36);
const desktop = { viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' };

const asStore = apiClient(serverURL, integrationToken);
const category = `Tea ${run}`;
// Two customers bought from this run's category; a third bought something else.
const customers = [
  { email: `ada-${run}@example.com`, firstName: 'Ada', number: `CA-${run}-1`.toUpperCase(), category },
  { email: `bob-${run}@example.com`, firstName: 'Bob', number: `CA-${run}-2`.toUpperCase(), category },
  { email: `cy-${run}@example.com`, firstName: 'Cy', number: `CA-${run}-3`.toUpperCase(), category: `Coffee ${run}` },
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

/** importOrder imports c's order of one item of c's category, as the store's integration. */
async function importOrder(c) {
  await asStore(`mutation ($input: ImportOrderInput!) { importOrder(input: $input) { created } }`, {
    input: {
      externalId: `ext-${c.number}`,
      number: c.number,
      placedAt: new Date(Date.now() - 20 * 86_400_000).toISOString(),
      currencyCode: 'EUR',
      customer: { email: c.email, firstName: c.firstName },
      items: [{ externalId: `${c.number}-1`, sku: `SKU-${c.number}`, name: `Sencha ${c.number}`, category: c.category, quantity: 3, unitPrice: '8.90' }],
      shippingCost: '4.90',
      shippingAddress: { name: `${c.firstName} Doe`, line1: 'Torstraße 1', city: 'Berlin', postalCode: '10119', countryCode: 'DE' },
    },
  });
}

/** writeCampaign fills the new-campaign form for this run's category and saves it as a draft; returns its row. */
async function writeCampaign(name) {
  await page.getByTestId('campaign-new').click();
  const editor = page.getByTestId('campaign-editor');
  await editor.waitFor();
  await page.getByTestId('campaign-name').fill(name);
  await page.getByTestId('campaign-subject').fill('{{.FirstName}}, the new harvest is in');
  await page.getByTestId('campaign-html').fill('<p>Hello {{.FirstName}} &lt;{{.Email}}&gt;, taste it at {{.StoreName}}.</p>');
  await page.getByTestId('campaign-text').fill('Hello {{.FirstName}}, taste it at {{.StoreName}}.');
  await page.getByTestId('campaign-category').fill(category);
  await page.getByTestId('campaign-check-audience').click();
  const count = editor.getByTestId('audience-count');
  await count.waitFor();
  assert.equal(await count.getAttribute('data-count'), '2', 'before saving: the segment reaches the two tea buyers');
  await page.getByTestId('campaign-create').click();
  await editor.waitFor({ state: 'detached' });
  const row = page.locator('[data-testid="campaign"]', { hasText: name });
  await row.waitFor();
  return row;
}

describe('the admin campaign screen in Chromium', { timeout: 180_000 }, () => {
  before(async () => {
    for (const c of customers) {
      await importOrder(c);
    }
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
    await page.goto(`${serverURL}/demo/admin.html#/campaigns`);
    const signIn = page.getByTestId('sign-in');
    const screen = page.getByTestId('campaigns');
    await Promise.race([signIn.waitFor(), screen.waitFor()]);
    if (await signIn.isVisible()) {
      await page.getByTestId('token-input').fill(adminToken);
      await page.getByTestId('sign-in-submit').click();
    }
    await screen.waitFor();
  });

  after(async () => {
    await browser?.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(attempted.flat(), [], 'no request left the machine');
  });

  it('a) a campaign for a segment: its audience and preview, scheduled, then canceled', async () => {
    const name = `Harvest ${run}`;
    const row = await writeCampaign(name);
    assert.equal(await row.getAttribute('data-status'), 'DRAFT');
    const detail = page.getByTestId('campaign-detail');
    await detail.waitFor();
    const count = detail.getByTestId('audience-count');
    await count.waitFor();
    assert.equal(await count.textContent(), 'Reaches 2 customers');
    const who = await detail.getByTestId('audience-customers').textContent();
    assert.ok(who.includes(customers[0].email) && who.includes(customers[1].email) && !who.includes(customers[2].email), `the audience: ${who}`);
    // The preview, rendered for the first customer of the audience, in the sandboxed iframe.
    const iframe = detail.getByTestId('campaign-preview-html');
    await iframe.waitFor();
    const sandbox = await iframe.getAttribute('sandbox');
    assert.ok(sandbox !== null && !sandbox.includes('allow-scripts'), `the preview is sandboxed without scripts (sandbox="${sandbox}")`);
    const frame = page.frameLocator('[data-testid="campaign-preview-html"]');
    await frame.getByText(`Hello ${customers[0].firstName} <${customers[0].email}>`, { exact: false }).waitFor();
    assert.equal(await detail.getByTestId('campaign-preview-subject').textContent(), `${customers[0].firstName}, the new harvest is in`);
    assert.match(await detail.getByTestId('campaign-preview-text').textContent(), new RegExp(`^Hello ${customers[0].firstName}, taste it at `));
    await screenshot('a1-campaign-preview');

    await page.getByTestId('campaign-schedule').click();
    await detail.getByTestId('campaign-said').filter({ hasText: 'Scheduled: it goes on' }).waitFor();
    await page.locator('[data-testid="campaign"][data-status="SCHEDULED"]', { hasText: name }).waitFor();
    assert.match(await row.getByTestId('campaign-status').textContent(), /^Scheduled for /);
    await page.getByTestId('campaign-cancel').click();
    await detail.getByTestId('campaign-said').filter({ hasText: 'Canceled: it will not go out.' }).waitFor();
    await page.locator('[data-testid="campaign"][data-status="CANCELED"]', { hasText: name }).waitFor();
    assert.equal(await detail.getByTestId('campaign-schedule-form').count(), 0, 'a canceled campaign can no longer be scheduled or canceled');
    await screenshot('a2-campaign-canceled');
  });

  it('b) a scheduled campaign goes at its time; too late to cancel; its messages in the outbox', async () => {
    const name = `Harvest sent ${run}`;
    const row = await writeCampaign(name);
    const id = await row.getAttribute('data-id');
    const detail = page.getByTestId('campaign-detail');
    await detail.getByTestId('audience-count').waitFor();
    await page.getByTestId('campaign-schedule').click();
    await detail.getByTestId('campaign-said').filter({ hasText: 'Scheduled' }).waitFor();

    // Its time comes on the server (the default time is an hour from now).
    const res = await fetch(`${clockURL}/advance?by=2h`, { method: 'POST' });
    assert.equal(res.status, 200, `moving the clock: ${await res.text()}`);

    // The screen still says Scheduled: cancelling now is refused, in words.
    await page.getByTestId('campaign-cancel').click();
    const problem = detail.getByTestId('campaign-action-problem');
    await problem.waitFor();
    assert.match(await problem.textContent(), /^Too late to cancel: this campaign has already gone out/);
    await screenshot('b1-too-late-to-cancel');

    await detail.getByTestId('campaign-messages').click();
    await page.getByTestId('outbox').waitFor();
    assert.equal(new URL(page.url()).hash, `#/outbox?campaign=${id}`);
    await page.getByTestId('outbox-campaign-filter').waitFor();
    assert.equal(await page.getByTestId('filter-campaign').inputValue(), id, 'the filter shows the campaign');
    // The dispatcher takes the messages within a poll: ask again until both are SENT.
    const sent = page.locator('[data-testid="outbox-message"][data-kind="CAMPAIGN"][data-status="SENT"]');
    const deadline = Date.now() + 30_000;
    for (;;) {
      await page.locator('[data-testid="outbox-list"], [data-testid="outbox-empty"]').first().waitFor();
      if ((await sent.count()) === 2) {
        break;
      }
      assert.ok(Date.now() < deadline, `the campaign's two messages are not SENT in the outbox within 30 s`);
      await page.waitForTimeout(250);
      await page.getByTestId('filter-apply').click();
    }
    const rows = await page.getByTestId('outbox-message').evaluateAll((rs) => rs.map((r) => `${r.dataset.kind} ${r.dataset.channel} ${r.textContent}`));
    assert.equal(rows.length, 2, `only the campaign's messages: ${rows.join(' | ')}`);
    for (const c of customers.slice(0, 2)) {
      assert.ok(rows.some((r) => r.startsWith('CAMPAIGN EMAIL') && r.includes(c.email) && r.includes(`${c.firstName}, the new harvest is in`)), `a message to ${c.email}: ${rows.join(' | ')}`);
    }
    await screenshot('b2-outbox-by-campaign');

    // Back on the campaigns: it is SENT with its two messages.
    await page.goto(`${serverURL}/demo/admin.html#/campaigns`);
    const sentRow = page.locator(`[data-testid="campaign"][data-id="${id}"][data-status="SENT"]`);
    await sentRow.waitFor();
    assert.equal(await sentRow.getByTestId('campaign-queued').textContent(), '2');
  });

  it('c) a template previewed with a chosen order; a template error at its part', async () => {
    await page.goto(`${serverURL}/demo/admin.html#/outbox/templates`);
    const card = page.locator('[data-testid="template"][data-kind="ORDER_CONFIRMATION"]');
    await card.waitFor();
    await card.getByTestId('template-edit').click();
    const editor = card.getByTestId('template-editor');
    await editor.waitFor();
    const subject = editor.getByTestId('template-subject');
    await subject.fill('Preview of {{.OrderNumber}} for {{.FirstName}}');
    const c = customers[1];
    await editor.getByTestId('template-order').fill(c.number);
    await editor.getByTestId('template-preview').click();
    const result = editor.getByTestId('template-preview-result');
    await result.waitFor();
    assert.equal(await result.getByTestId('template-preview-result-subject').textContent(), `Preview of ${c.number} for ${c.firstName}`);
    const iframe = result.getByTestId('template-preview-result-html');
    const sandbox = await iframe.getAttribute('sandbox');
    assert.ok(sandbox !== null && !sandbox.includes('allow-scripts'), `the preview is sandboxed without scripts (sandbox="${sandbox}")`);
    await page.frameLocator('[data-testid="template-preview-result-html"]').getByText(`Sencha ${c.number}`, { exact: false }).first().waitFor();
    assert.ok((await result.getByTestId('template-preview-result-text').textContent()).includes(`Sencha ${c.number}`), 'the text part lists the item');
    await screenshot('c1-template-preview');

    // An unknown variable: the server's words, at the subject.
    await subject.fill('Preview of {{.NoSuchVariable}}');
    await editor.getByTestId('template-preview').click();
    const problem = editor.getByTestId('template-problem-subject');
    await problem.waitFor();
    assert.match(await problem.textContent(), /^The subject part: .*NoSuchVariable/);
    assert.equal(await editor.getByTestId('template-preview-result').count(), 0, 'no stale preview beside the error');
    // An order that does not exist: said at the order box.
    await subject.fill('Preview of {{.OrderNumber}}');
    await editor.getByTestId('template-order').fill(`NOPE-${run}`);
    await editor.getByTestId('template-preview').click();
    await editor.getByTestId('template-problem-order').filter({ hasText: `There is no order NOPE-${run}.` }).waitFor();
    await screenshot('c2-template-problem');
  });
});
