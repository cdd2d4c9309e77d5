#!/usr/bin/env node
// rewards.mjs drives "My rewards" (#/rewards) of the built web demo
// (web-demo/dist, served by the real server at /demo/) in Debian's
// Chromium through playwright-core, at phone width, as the demo customer
// Mina on the seeded demo data (server/demo.SeedLoyalty), issue 12's
// "Done when":
//
//	a) the page opens live: balance, pending points with their date, the
//	   tier and its progress bar, the rewards, the ledger;
//	b) redeeming a reward lowers the balance by its cost and shows the
//	   code with a copy button; the code is the one the API knows (looked
//	   up as staff) and the ledger gains the redemption, without a reload;
//	c) an admin adjustment made through the API (adjustPoints) changes the
//	   open page without a reload: the balance moves by exactly its points
//	   and the ledger shows its reason.
//
// Usage (server/browser_rewards_test.go runs it against a server it starts
// in development mode with demo data):
//
//	AFTERCART_URL=http://127.0.0.1:8080 AFTERCART_CUSTOMER_TOKEN=<jwt of demo@aftercart.dev> \
//	  AFTERCART_ADMIN_TOKEN=<jwt> AFTERCART_REWARD=<name of a reward Mina can afford> \
//	  [AFTERCART_ARTIFACTS=web-demo/test-results/rewards] [CHROMIUM=/usr/bin/chromium] \
//	  node web-demo/e2e/rewards.mjs
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

const required = envReader('rewards.mjs');
const serverURL = required('AFTERCART_URL').replace(/\/$/, '');
const customerToken = required('AFTERCART_CUSTOMER_TOKEN');
const adminToken = required('AFTERCART_ADMIN_TOKEN');
const rewardName = required('AFTERCART_REWARD');
const artifacts = path.resolve(
  process.env.AFTERCART_ARTIFACTS ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'rewards'),
);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB', timezoneId: 'Europe/Berlin' };

const asAdmin = apiClient(serverURL, adminToken);
const asMina = apiClient(serverURL, customerToken);

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

/** available reads the balance the page shows. */
async function available() {
  return Number(await page.getByTestId('balance-available').getAttribute('data-points'));
}

/** availableIs waits until the page shows n points to spend. */
async function availableIs(n) {
  await page.waitForFunction((want) => document.querySelector('[data-testid="balance-available"]')?.getAttribute('data-points') === String(want), n, {
    timeout: 15_000,
    polling: 50,
  });
}

describe('"My rewards" in Chromium', { timeout: 120_000 }, () => {
  let minaId;
  let cost;

  before(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });
    console.log(`browser: Chromium ${browser.version()} (${executablePath}), server ${serverURL}`);
    const context = await browser.newContext(phone);
    attempted.push(await offline(context));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serverURL });
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
    const me = await asMina(`{ viewer { id } rewards(first: 20) { edges { node { name pointsCost } } } }`);
    minaId = me.viewer.id;
    cost = me.rewards.edges.map((e) => e.node).find((r) => r.name === rewardName)?.pointsCost;
    assert.ok(cost > 0, `the catalogue has ${rewardName}`);
  });

  after(async () => {
    await browser?.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(attempted.flat(), [], 'no request left the machine');
  });

  it('a) the page opens live with the balance, pending date, tier progress, rewards and ledger', async () => {
    await page.goto(`${serverURL}/demo/#/rewards`);
    const signIn = page.getByTestId('sign-in');
    const rewards = page.getByTestId('rewards-page');
    await Promise.race([signIn.waitFor(), rewards.waitFor()]);
    if (await signIn.isVisible()) {
      await page.getByTestId('token-input').fill(customerToken);
      await page.getByTestId('sign-in-submit').click();
    }
    await page.locator('[data-testid="live-status"][data-state="live"][data-synced="true"]').waitFor({ timeout: 15_000 });
    const api = await asMina(`{ viewer { loyalty { balance { available pending } tier { name } } } }`);
    assert.equal(await available(), api.viewer.loyalty.balance.available, 'the balance is the API’s');
    assert.match(await page.getByTestId('balance-pending').textContent(), /pending: .*available on/, 'pending points say when they become available');
    assert.equal(await page.getByTestId('tier-name').textContent(), api.viewer.loyalty.tier.name);
    assert.ok(Number(await page.getByTestId('tier-progress').getAttribute('aria-valuenow')) > 0, 'a progress bar towards the next tier');
    assert.ok((await page.getByTestId('ledger-line').count()) > 0, 'the ledger has lines');
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    await screenshot('a1-rewards');
  });

  it('b) redeeming lowers the balance and shows the code with a copy button', async () => {
    const before = await available();
    const card = page.locator(`[data-testid="reward"][data-name="${rewardName}"]`);
    await card.getByTestId('redeem').click();
    const code = (await card.getByTestId('reward-code-text').textContent({ timeout: 15_000 })).trim();
    await availableIs(before - cost);
    const looked = await asAdmin(`query ($c: String!) { rewardCode(code: $c) { code valid } }`, { c: code });
    assert.equal(looked.rewardCode.code, code, 'the code shown is the one issued');
    assert.ok(looked.rewardCode.valid, 'and checkout would take it');
    await card.getByTestId('copy-code').click();
    await card.getByTestId('copy-code-said').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code, 'the copy button copies the code');
    await page.locator('[data-testid="ledger-line"][data-kind="REDEEMED"]', { hasText: rewardName }).first().waitFor();
    assert.ok(await page.evaluate(() => window.__notReloaded), 'no reload');
    await screenshot('b1-redeemed');
  });

  it('c) an adjustment through the API changes the open page without a reload', async () => {
    const before = await available();
    const reason = `Browser test goodwill ${Date.now().toString(36)}`;
    await asAdmin(`mutation ($input: AdjustPointsInput!) { adjustPoints(input: $input) { entry { id } } }`, {
      input: { customerId: minaId, points: 123, reason },
    });
    await availableIs(before + 123);
    await page.locator('[data-testid="ledger-line"][data-kind="ADJUSTED"]', { hasText: reason }).waitFor({ timeout: 15_000 });
    assert.ok(await page.evaluate(() => window.__notReloaded), 'no reload');
    await screenshot('c1-adjusted');
  });
});
