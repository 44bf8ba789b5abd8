// test/ui/console.test.ts — the web console in a real browser (Debian's chromium through playwright-core) against a real emulator with real memcacheds.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/paths.js';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { canonicalQuery, stringToSign } from '../../src/signing/index.js';
import { WELL_KNOWN_KEY } from '../../src/contract/index.js';
import { signedQuery, startEmulator, type Emulator } from '../helpers/emulator.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const haveChromium = fs.existsSync(CHROMIUM);
// Without chromium the test skips on a workstation; under CI it must run, so it fails instead.
const skip = !haveChromium && !process.env.CI;
const ARTIFACTS = process.env.CDS_EMU_ARTIFACTS ?? path.join(PROJECT_ROOT, 'artifacts', 'console');

/** One memcached text command (with an optional data block), raw over a socket; resolves with the reply up to its end marker. */
function memcached(address: string, port: number, command: string, end: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, address, () => s.write(command));
    let got = '';
    const timer = setTimeout(() => (s.destroy(), reject(new Error(`no reply to ${command.split('\r\n')[0]}: ${got}`))), 3000);
    s.on('data', (b) => {
      got += b.toString('utf8');
      if (end.test(got)) {
        clearTimeout(timer);
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}
const set = (addr: string, port: number, key: string, value: string) =>
  memcached(addr, port, `set ${key} 0 0 ${Buffer.byteLength(value)}\r\n${value}\r\n`, /STORED\r\n|ERROR/);
const get = (addr: string, port: number, key: string) => memcached(addr, port, `get ${key}\r\n`, /END\r\n/);

describe.skipIf(skip)('web console at /_emulator/ui', () => {
  let emu: Emulator;
  let browser: Browser;
  let page: Page;
  let narrow: Page;
  const problems: string[] = [];
  let shot = 0;

  const watch = (p: Page, label: string) => {
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${label} console: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`${label} pageerror: ${e.message}`));
  };

  /** A wide screenshot of the page as it is, and the same view in the narrow window. */
  async function screenshot(name: string, narrowToo = true) {
    shot++;
    const base = `${String(shot).padStart(2, '0')}-${name}`;
    await page.screenshot({ path: path.join(ARTIFACTS, `${base}-1280.png`), fullPage: true });
    if (narrowToo) {
      await narrow.goto(page.url());
      await narrow.waitForSelector('main h1');
      await narrow.waitForTimeout(400);
      await narrow.screenshot({ path: path.join(ARTIFACTS, `${base}-420.png`), fullPage: true });
      // Leave the view, so the narrow page does not keep polling an instance the test is about to delete.
      await narrow.goto('about:blank');
    }
  }

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing, and CI is set: the console test must run here`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    console.log(`console screenshots: ${ARTIFACTS}`);
    emu = await startEmulator({ backend: 'process', taskDelayMs: 300 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    narrow = await browser.newPage({ viewport: { width: 420, height: 900 } });
    page.setDefaultTimeout(10_000);
    narrow.setDefaultTimeout(10_000);
    watch(page, 'wide');
    watch(narrow, 'narrow');
  });

  afterAll(async () => {
    await browser?.close();
    await emu?.close();
  });

  it('serves the page with a strict CSP, and its assets with their types', async () => {
    const res = await fetch(`${emu.url}/_emulator/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const js = await fetch(`${emu.url}/_emulator/ui/js/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const escape = await fetch(`${emu.url}/_emulator/ui/..%2f..%2fpackage.json`);
    expect(escape.status).toBe(404);
    expect((await escape.json()).Code).toBe('NotFound');
  });

  it('shows an empty state that says how to create the first instance', async () => {
    await page.goto(`${emu.url}/_emulator/ui`);
    await expect.poll(() => page.locator('.empty h2').textContent()).toBe('No Memcached instance yet');
    expect(await page.locator('.empty pre').textContent()).toContain('createMemcachedInstance');
    await screenshot('empty');
  });

  it('can be driven from the keyboard: Tab reaches the create button with a visible focus, Enter opens the form, Esc closes it', async () => {
    let focused = '';
    for (let i = 0; i < 12 && !focused.includes('Create instance'); i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    expect(focused).toContain('Create instance');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('dialog', { name: 'Create Memcached instance' }).isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
  });

  let address = '';
  let port = 0;

  it('creates an instance from the form and shows it go creating → running with its address', async () => {
    await page.getByRole('button', { name: 'Create your first instance' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByLabel('Instance name').fill('ui-test');
    await dialog.getByLabel('Region', { exact: true }).selectOption('CN_Shanghai_C');
    await dialog.getByLabel('Private network (pipe)').selectOption('6a1f9c8b-2d3c-11ed-8a1b-0242ac120004') // private-b;
    await dialog.getByLabel('Memory').selectOption('2G');
    await screenshot('create-form', false);
    await dialog.getByRole('button', { name: 'Create' }).click();
    const row = page.locator('table.instances tbody tr', { hasText: 'ui-test' });
    await row.locator('.status-creating').waitFor({ timeout: 10_000 });
    await screenshot('creating', false);
    await row.locator('.status-running').waitFor({ timeout: 20_000 });
    const shown = (await row.locator('.addr').textContent()) ?? '';
    expect(shown).toMatch(/^127\.\d+\.\d+\.\d+:\d+$/);
    [address, port] = [shown.split(':')[0], Number(shown.split(':')[1])];
    expect(await row.textContent()).toContain('sh-dev');
    expect(await row.textContent()).toContain('private-b');
    expect(await row.textContent()).toContain('2G');
    // The task the page started is listed, finished.
    await page.locator('table.tasks tr.mine .task-finish').first().waitFor();
    await screenshot('running');
  });

  it('filters like Keyword: a substring of the address, name or id, in any case', async () => {
    const filter = page.getByRole('searchbox', { name: /Filter instances/ });
    await filter.fill('UI-TE');
    await expect.poll(() => page.locator('table.instances tbody tr').count()).toBe(1);
    await filter.fill(address);
    await expect.poll(() => page.locator('table.instances tbody tr').count()).toBe(1);
    await filter.fill('no-such-instance');
    await expect.poll(() => page.locator('table.instances tbody tr').count()).toBe(0);
    expect(await page.locator('.nomatch').textContent()).toContain('no-such-instance');
    await filter.fill('');
  });

  it('finds a key set from the test in the key browser, reads it and deletes another', async () => {
    const fig = (label: string) => page.locator('.fig').filter({ has: page.locator('.fig-label', { hasText: new RegExp(`^${label}$`) }) }).locator('.fig-value');
    await set(address, port, 'ui:greeting', 'hello from the test');
    await set(address, port, 'ui:other', 'to be deleted');
    await page.locator('table.instances tbody tr', { hasText: 'ui-test' }).getByRole('link', { name: 'ui-test' }).click();
    await page.locator('.keys tr[data-key="ui:greeting"]').waitFor();
    await page.locator('.keys tr[data-key="ui:greeting"]').getByRole('button', { name: 'View ui:greeting' }).click();
    await expect.poll(() => page.locator('.value-box pre').textContent()).toBe('hello from the test');
    // Live figures read from the memcached itself.
    await expect.poll(() => fig('Items').textContent(), { timeout: 10_000 }).toBe('2');
    await expect.poll(() => fig('Memory used').textContent()).toContain('/ 2.0 GB');
    await screenshot('instance-detail');
    // Dark follows the system.
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(19, 20, 23)');
    await page.screenshot({ path: path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-instance-detail-dark-1280.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.locator('.keys tr[data-key="ui:other"]').getByRole('button', { name: 'Delete ui:other' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete key' }).click();
    await expect.poll(() => page.locator('.keys tr[data-key="ui:other"]').count()).toBe(0);
    expect(await get(address, port, 'ui:other')).toBe('END\r\n');
    expect(await get(address, port, 'ui:greeting')).toContain('hello from the test');
  });

  it('resizes, clears and deletes the instance from the page', async () => {
    await page.getByRole('link', { name: 'Instances', exact: true }).click();
    const row = page.locator('table.instances tbody tr', { hasText: 'ui-test' });
    await row.getByRole('button', { name: 'Resize' }).click();
    await page.getByRole('dialog').getByLabel('New memory size').selectOption('3G');
    await page.getByRole('dialog').getByRole('button', { name: 'Resize' }).click();
    await page.locator('table.tasks tr.mine', { hasText: 'update' }).locator('.task-finish').waitFor({ timeout: 20_000 });
    await expect.poll(() => row.locator('td[data-label="Size"]').textContent()).toBe('3G');
    const limit = await memcached(address, port, 'stats settings\r\n', /END\r\n/);
    expect(limit).toContain(`STAT maxbytes ${3 * 1024 * 1024 * 1024}`);

    await row.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Clear data' }).click();
    await page.locator('table.tasks tr.mine', { hasText: 'clear' }).locator('.task-finish').waitFor({ timeout: 20_000 });
    expect(await get(address, port, 'ui:greeting')).toBe('END\r\n');
    await screenshot('cleared', false);

    await row.getByRole('button', { name: 'Delete' }).click();
    // Esc closes a dialog without acting; the second time, confirm.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').isVisible()).toBe(false);
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await row.locator('.status-deleting').waitFor({ timeout: 10_000 });
    await screenshot('deleting', false);
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(0);
    await page.locator('table.tasks tr.mine', { hasText: 'delete' }).locator('.task-finish').waitFor();
    await screenshot('deleted');
  });

  it('shows the StringToSign of a wrongly signed request in the journal', async (ctx) => {
    const config = await (await fetch(`${emu.url}/_emulator/console-config`)).json();
    await page.getByRole('link', { name: 'Request journal' }).click();
    if (!config.features.journal) {
      await expect.poll(() => page.locator('main').textContent()).toContain('Not available');
      await screenshot('journal-unavailable');
      ctx.skip();
    }
    const res = await fetch(`${emu.url}/memcached?${signedQuery('MemcachedInstanceList', { secret: 'not-the-secret' })}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await res.json()).Code).toBe('SignatureDoesNotMatch');
    const refused = page.locator('table.journal tr[data-code="SignatureDoesNotMatch"]').first();
    await refused.waitFor({ timeout: 10_000 });
    await refused.getByRole('button', { name: /Details/ }).click();
    await expect.poll(() => page.locator('.sts').textContent()).toMatch(new RegExp(`^POST&%2F&AccessKeyId%3D${WELL_KNOWN_KEY.accessKeyId}%26Action%3DMemcachedInstanceList`));
    // The entry has its own address: opened afresh, the page shows it again.
    expect(page.url()).toMatch(/#\/journal\/\d+$/);
    await screenshot('journal-refused');
  });

  it('item 7: the journal pages back with Older and returns with Newer', async (ctx) => {
    const config = await (await fetch(`${emu.url}/_emulator/console-config`)).json();
    if (!config.features.journal) ctx.skip();
    for (let i = 0; i < 60; i++) await emu.client.call('MemcachedInstanceList', { Keyword: `page-${i}` });
    await page.goto(`${emu.url}/_emulator/ui#/journal`);
    const ids = () => page.locator('table.journal tr[data-entry]').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.entry)));
    // Generous: the page renders slowly on a loaded 2-core machine.
    await expect.poll(async () => (await ids()).length, { timeout: 15_000 }).toBe(50);
    const first = await ids();
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(async () => (await ids())[0], { timeout: 15_000 }).toBe(first[49] - 1);
    expect(await page.locator('main .card-meta').first().textContent()).toContain('an older page');
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(async () => (await ids())[0]).toBeGreaterThanOrEqual(first[0]);
    expect(await page.getByRole('button', { name: 'Newer' }).isDisabled()).toBe(true);
  });

  it('adds a fault rule from the form, lists it, and removes it', async (ctx) => {
    const config = await (await fetch(`${emu.url}/_emulator/console-config`)).json();
    await page.getByRole('link', { name: 'Faults & clock' }).click();
    await page.locator('main h1', { hasText: 'Faults & clock' }).waitFor();
    if (!config.features.faults) {
      await screenshot('faults-unavailable');
      ctx.skip();
    }
    const form = page.getByRole('form', { name: 'Add a fault rule' });
    await form.getByLabel('Action', { exact: true }).selectOption('DescribeMemcachedInstance');
    await form.getByLabel('Code', { exact: true }).fill('ServiceBusy');
    await form.getByLabel('Count', { exact: true }).fill('2');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const row = page.locator('tr[data-rule]', { hasText: 'DescribeMemcachedInstance' });
    await row.waitFor();
    expect(await row.textContent()).toContain('HTTP 503 ServiceBusy');
    const rules = (await (await fetch(`${emu.url}/_emulator/faults`)).json()).faults;
    expect(rules).toMatchObject([{ action: 'DescribeMemcachedInstance', count: 2, effect: { type: 'error', status: 503, code: 'ServiceBusy' } }]);
    await screenshot('faults-clock');
    await row.getByRole('button', { name: /Remove rule/ }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await (await fetch(`${emu.url}/_emulator/faults`)).json()).faults).toEqual([]);
  });

  it('shows a failed task: the instance in red with its reason, the task ERROR with its message', async (ctx) => {
    const config = await (await fetch(`${emu.url}/_emulator/console-config`)).json();
    if (!config.features.faults) ctx.skip();
    const rule = { action: 'CreateMemcachedInstance', effect: { type: 'task-error', message: 'disk on fire' }, count: 1 };
    expect((await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) })).status).toBe(201);
    await emu.client.createMemcachedInstance({ ConfSize: '1G', VdcId: 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5', PipeId: '48de2f3c-b3df-11ec-8bed-e6717c813be8', RegionId: 'CN_Beijing_H', InstanceName: 'doomed' });
    await page.getByRole('link', { name: 'Instances', exact: true }).click();
    const row = page.locator('table.instances tbody tr', { hasText: 'doomed' });
    await row.locator('.status-error').waitFor({ timeout: 20_000 });
    expect(await row.locator('.status-error').getAttribute('title')).toContain('disk on fire');
    expect(await row.locator('.reason').textContent()).toContain('disk on fire');
    expect(await page.locator('table.tasks tr', { hasText: 'doomed' }).textContent()).toContain('disk on fire');
    await screenshot('task-error');
  });

  it('signs in the browser exactly as the server verifies: canonical query, StringToSign, and HMAC-SHA1 with or without WebCrypto', async () => {
    const pairs: Array<[string, string]> = [['Action', 'MemcachedInstanceList'], ['Keyword', 'a b*c~d/é+!'], ['AccessKeyId', 'k'], ['Z', ''], ['Signature', 'x']];
    const keys = [WELL_KNOWN_KEY.accessKeySecret, 's'.repeat(100), ''];
    // A string, so the test runner does not rewrite the page's dynamic imports.
    const got = (await page.evaluate(`(async () => {
      const pairs = ${JSON.stringify(pairs)};
      const keys = ${JSON.stringify(keys)};
      const api = await import('/_emulator/ui/js/api.js');
      const { hmacSha1 } = await import('/_emulator/ui/js/sha1.js');
      const sts = api.stringToSign(api.canonicalQuery(pairs));
      const b64 = (b) => btoa(String.fromCharCode(...b));
      const enc = new TextEncoder();
      return { sts, subtle: await Promise.all(keys.map((k) => api.hmacBase64(k, sts))), fallback: keys.map((k) => b64(hmacSha1(enc.encode(k), enc.encode(sts)))) };
    })()`)) as { sts: string; subtle: string[]; fallback: string[] };
    const sts = stringToSign('POST', canonicalQuery(pairs));
    expect(got.sts).toBe(sts);
    const want = keys.map((k) => createHmac('sha1', k).update(sts).digest('base64'));
    expect(got.subtle).toEqual(want);
    expect(got.fallback).toEqual(want);
  });

  it('keeps no copy of the server’s contract: sizes, status rules, API version and paths come from /_emulator/console-config', async () => {
    const config = await (await fetch(`${emu.url}/_emulator/console-config`)).json();
    // The page's own module instance, as it signs and draws with it.
    const wire = await page.evaluate(`import('/_emulator/ui/js/api.js').then((api) => api.contract())`);
    expect(wire).toEqual(config.contract);
    await page.getByRole('link', { name: 'Instances', exact: true }).click();
    await page.getByRole('button', { name: /Create/ }).first().click();
    const sizes = await page.getByRole('dialog').getByLabel('Memory').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(sizes).toEqual(config.contract.confSizes);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
  });

  it('logged no error in the browser console', () => {
    expect(problems).toEqual([]);
  });
});

describe.skipIf(skip)('web console in manual task mode', () => {
  let emu: Emulator;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ backend: 'none', taskMode: 'manual' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await emu?.close();
  });

  it('advances the clock and runs pending tasks from the page', async (ctx) => {
    const config = await (await fetch(`${emu.url}/_emulator/console-config`)).json();
    if (!config.features.clock) ctx.skip();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    const { InstanceIds } = await emu.client.createMemcachedInstance({ ConfSize: '1G', VdcId: 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5', PipeId: '48de2f3c-b3df-11ec-8bed-e6717c813be8', RegionId: 'CN_Beijing_H' });
    await page.goto(`${emu.url}/_emulator/ui#/faults`);
    const form = page.getByRole('form', { name: 'Advance the clock' });
    await form.getByLabel('Advance by').fill('2');
    await form.getByLabel('Unit').selectOption('days');
    await form.getByRole('button', { name: 'Advance' }).click();
    await expect.poll(() => page.locator('.fig.wide .fig-sub').textContent()).toContain('172,800 s ahead');
    const clock = await (await fetch(`${emu.url}/_emulator/clock`)).json();
    expect(clock.offsetMs).toBe(2 * 86_400_000);
    await page.screenshot({ path: path.join(ARTIFACTS, '20-manual-clock-1280.png'), fullPage: true });
    // The advance ran the pending create: the instance is running, nothing is left to run.
    expect((await emu.client.describeMemcachedInstance(InstanceIds[0])).Status).toBe('running');
    await page.getByRole('button', { name: 'Run pending tasks' }).click();
    await page.locator('.toast', { hasText: '0 task(s) ran' }).waitFor();
    expect(problems).toEqual([]);
  });
});

describe.skipIf(skip)('web console with credentials of its own', () => {
  let emu: Emulator;
  let browser: Browser;

  beforeAll(async () => {
    emu = await startEmulator({ backend: 'none', taskDelayMs: 0, accessKeyId: 'team-key', accessKeySecret: 'team-secret' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await emu?.close();
  });

  it('asks for the secret the server does not hand out, then signs with it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${emu.url}/_emulator/ui`);
    await page.getByRole('button', { name: 'Create your first instance' }).click();
    await page.getByRole('dialog', { name: 'Create Memcached instance' }).getByRole('button', { name: 'Create' }).click();
    const ask = page.getByRole('dialog', { name: 'AccessKeySecret needed' });
    await ask.getByLabel('Secret of team-key').fill('team-secret');
    await ask.getByRole('button', { name: 'Continue' }).click();
    await page.locator('table.instances .status-running').waitFor();
    const list = await new CdsMemcachedClient({ endpoint: emu.url, accessKeyId: 'team-key', accessKeySecret: 'team-secret' }).memcachedInstanceList();
    expect(list.Total).toBe(1);
    expect(problems).toEqual([]);
  });
});

describe.skipIf(skip)('web console behind --admin-token', () => {
  let emu: Emulator;
  let browser: Browser;

  beforeAll(async () => {
    emu = await startEmulator({ backend: 'none', taskDelayMs: 0, adminToken: 'console-token' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await emu?.close();
  });

  it('takes the token from ?token= once, drops it from the address, and sends it on every control-plane call', async (ctx) => {
    // Only meaningful where the control-plane guard enforces the token.
    if ((await fetch(`${emu.url}/_emulator/health`)).status === 200) ctx.skip();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${emu.url}/_emulator/ui?token=console-token`);
    await page.getByRole('button', { name: 'Create your first instance' }).click();
    await page.getByRole('dialog', { name: 'Create Memcached instance' }).getByRole('button', { name: 'Create' }).click();
    await page.locator('table.instances .status-running').waitFor();
    expect(page.url()).not.toContain('console-token');
    expect(problems).toEqual([]);
  });

  it('asks for the token once when the server answers 401 AdminTokenRequired', async (ctx) => {
    if ((await fetch(`${emu.url}/_emulator/health`)).status === 200) ctx.skip();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${emu.url}/_emulator/ui`);
    const ask = page.getByRole('dialog', { name: 'Admin token required' });
    await ask.getByLabel('Token').fill('console-token');
    await ask.getByRole('button', { name: 'Continue' }).click();
    await page.locator('main h1', { hasText: 'Memcached instances' }).waitFor();
    await expect.poll(() => page.locator('#topinfo .live-ok').count()).toBe(1);
    expect(await page.getByRole('dialog').count()).toBe(0);
  });
});
