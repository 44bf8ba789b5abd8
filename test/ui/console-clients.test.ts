// test/ui/console-clients.test.ts — the console's Clients page in a real browser (Debian's chromium through
// playwright-core): an empty state that says what it shows, a retrying client's reused nonce listed with its example
// call, and Clear emptying the report.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/paths.js';
import { KEY_ID, signedQuery, startEmulator, type Emulator } from '../helpers/emulator.js';
import { call, clientOf, plusForSpace } from '../helpers/conformance.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const haveChromium = fs.existsSync(CHROMIUM);
// Without chromium the test skips on a workstation; under CI it must run, so it fails instead.
const skip = !haveChromium && !process.env.CI;
const ARTIFACTS = process.env.CDS_EMU_ARTIFACTS ?? path.join(PROJECT_ROOT, 'artifacts', 'console');
const RETRYING = 'retrying-sdk/0.1 (console test)';
const PLUS = 'plus-for-space-sdk/0.3 (console test)';
const CONFORMING = 'conforming-sdk/1.0 (console test)';

describe.skipIf(skip)('console Clients page (#/clients)', () => {
  let emu: Emulator;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing, and CI is set: the console test must run here`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    emu = await startEmulator();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  });
  afterAll(async () => {
    await browser?.close();
    await emu?.close();
  });

  it('before any call: an empty state that says what the page shows and that a conforming client has no deviation', async () => {
    await page.goto(`${emu.url}/_emulator/ui#/clients`);
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Clients');
    await expect.poll(() => page.locator('.empty h2').textContent()).toBe('No client has called the API yet');
    const text = await page.locator('.empty').textContent();
    expect(text).toContain('AccessKeyId and User-Agent');
    expect(text).toContain('A conforming client is listed with its calls and no deviation.');
    expect(await page.locator('[data-nav="clients"]').getAttribute('aria-current')).toBe('page');
  });

  it('a client that retries with the same SignatureNonce: listed with NonceReused, its rule and its example call; a conforming one with none', async () => {
    // Signed once, sent twice: the second is refused as a replay, and reported.
    const q = signedQuery('MemcachedInstanceList');
    for (const want of ['Success', 'SignatureNonceUsed']) {
      const res = await fetch(`${emu.url}/memcached?${q}`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': RETRYING }, body: '{}' });
      expect((await res.json()).Code).toBe(want);
    }
    expect((await call(emu, { userAgent: CONFORMING, body: {} })).body.Code).toBe('Success');
    const row = page.locator('table.clients tbody tr', { hasText: RETRYING });
    await row.waitFor();
    const conforming = page.locator('table.clients tbody tr', { hasText: CONFORMING });
    await conforming.waitFor();
    expect(await conforming.locator('td[data-label="Deviations"]').textContent()).toBe('none');
    expect(await row.locator('td[data-label="AccessKeyId"]').textContent()).toBe(KEY_ID);
    expect(await row.locator('td[data-label="Calls"]').textContent()).toBe('2');
    expect(await row.locator('td[data-label="Deviations"]').textContent()).toBe('1 (1 kind)');

    const dev = page.locator('article.deviation[data-code="NonceReused"]');
    await dev.waitFor();
    expect(await dev.locator('h3').textContent()).toBe('NonceReused');
    expect(await dev.locator('dd').first().textContent()).toMatch(/^1\b/);
    expect((await dev.locator('.rule').textContent())!.length).toBeGreaterThan(20);
    const request = await dev.locator('pre.value').first().textContent();
    expect(request).toMatch(/^POST \/memcached\?/);
    expect(request).toContain('Action=MemcachedInstanceList');
    expect(request).not.toMatch(/[?&]Signature=/);
    expect(await dev.getByRole('button', { name: 'Copy request' }).count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'clients-nonce-reused-1280.png'), fullPage: true });
  });

  it('a client that signs a space as +: Details shows the canonical query and StringToSign the server computed, each copyable', async () => {
    expect((await call(emu, { userAgent: PLUS, extra: [['Keyword', 'a b']], sts: plusForSpace })).body.Code).toBe('Success');
    const served = (await clientOf(emu, PLUS))!.deviations.find((d) => d.code === 'SpaceSignedAsPlus')!.example;
    expect(served.canonicalQuery).toContain('Keyword=a%20b');
    const row = page.locator('table.clients tbody tr', { hasText: PLUS });
    await row.waitFor();
    await row.getByRole('button', { name: `Deviations of ${KEY_ID} · ${PLUS}` }).click();
    await expect.poll(() => page.locator('#cd-title').textContent()).toContain(PLUS);
    const dev = page.locator('article.deviation[data-code="SpaceSignedAsPlus"]');
    await dev.waitFor();
    const blocks = await dev.locator('pre.value').allTextContents();
    expect(blocks).toEqual([`POST ${served.path}`, served.canonicalQuery, served.stringToSign]);
    expect(await dev.locator('.example-detail').textContent()).toBe(served.detail);
    for (const name of ['Copy request', 'Copy canonical query', 'Copy StringToSign']) expect(await dev.getByRole('button', { name }).count(), name).toBe(1);
    // The retrying client's NonceReused is not mixed into this client's detail.
    expect(await page.locator('article.deviation[data-code="NonceReused"]').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'clients-space-as-plus-1280.png'), fullPage: true });
  });

  it('the journal marks the same call as a deviation, and its Details list each code with what the call did', async () => {
    await page.goto(`${emu.url}/_emulator/ui#/journal`);
    const row = page.locator('table.journal tbody tr', { has: page.locator('span.mine-tag', { hasText: 'deviation' }) }).first();
    await row.waitFor();
    await row.getByRole('button', { name: /Details/ }).click();
    const items = page.locator('.deviations li');
    await expect.poll(() => items.count()).toBeGreaterThan(0);
    const texts = await items.allTextContents();
    expect(texts.some((t) => t.startsWith('SpaceSignedAsPlus ') || t.startsWith('NonceReused '))).toBe(true);
    await page.locator('.deviations a', { hasText: 'Clients' }).click();
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Clients');
    expect(problems).toEqual([]);
  });

  it('Clear empties the report: the empty state is back and the endpoint lists no client', async () => {
    await page.getByRole('button', { name: 'Clear report' }).click();
    await expect.poll(() => page.locator('.empty h2').textContent()).toBe('No client has called the API yet');
    expect(await page.locator('table.clients').isVisible()).toBe(false);
    const report = await (await fetch(`${emu.url}/_emulator/conformance`)).json();
    expect(report).toMatchObject({ clients: [], deviations: 0 });
    expect(problems).toEqual([]);
  });
});
