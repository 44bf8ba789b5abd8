// test/api/cli-conformance.test.ts — `cds-memcached-emulator conformance` as a client's CI runs it: against a real
// emulator that saw a retrying client re-send its SignatureNonce and a conforming one, the JSON when piped, a table on a
// terminal, exit 1 only with --fail-on-deviation, --clear, the admin token, and one line when nothing answers.
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.js';
import { KEY_ID, signedQuery, startEmulator, type Emulator } from '../helpers/emulator.js';

const BIN = ['--import', 'tsx', 'src/cli/main.ts', 'conformance'];
const RETRYING = 'retrying-sdk/0.1 (test)';
const CONFORMING = 'conforming-sdk/1.0 (test)';

/** The bin's `conformance`, from the source, as a shell runs it (stdout a pipe); or any command, `cmd`. */
function conformance(args: string[], env: NodeJS.ProcessEnv = {}, cmd = [process.execPath, ...BIN, ...args]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT, env: { ...process.env, CDS_EMU_ENDPOINT: '', CDS_EMU_ADMIN_TOKEN: '', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One signed MemcachedInstanceList as a client sends it; the same query twice is a retry that kept its nonce. */
async function list(emu: Emulator, query: string, userAgent: string) {
  const res = await fetch(`${emu.url}/memcached?${query}`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': userAgent }, body: '{}' });
  return { status: res.status, body: (await res.json()) as { Code: string } };
}

interface Report {
  clients: Array<{ accessKeyId: string; userAgent: string | null; calls: number; deviations: Array<{ code: string; count: number; example: { detail: string; path: string } }> }>;
  deviations: number;
}
const clientOf = (r: Report, ua: string) => r.clients.find((c) => c.userAgent === ua);

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu?.close());

describe('cds-memcached-emulator conformance', () => {
  beforeEach(async () => {
    const cleared = await emu.http().delete('/_emulator/conformance');
    expect(cleared.status).toBe(200);
    expect((await list(emu, signedQuery('MemcachedInstanceList'), CONFORMING)).body.Code).toBe('Success');
  });

  /** A client that signs once before its retry loop: the retry re-sends the same SignatureNonce. */
  async function retryWithSameNonce() {
    const q = signedQuery('MemcachedInstanceList');
    expect((await list(emu, q, RETRYING)).body.Code).toBe('Success');
    expect((await list(emu, q, RETRYING)).body.Code).toBe('SignatureNonceUsed');
  }

  it('piped: prints the report as JSON, the retrying client with NonceReused 1, the conforming one with none; exit 0', async () => {
    await retryWithSameNonce();
    const r = await conformance([], { CDS_EMU_ENDPOINT: emu.url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(clientOf(report, CONFORMING)).toMatchObject({ accessKeyId: KEY_ID, calls: 1, deviations: [] });
    const retrying = clientOf(report, RETRYING)!;
    expect(retrying.calls).toBe(2);
    expect(retrying.deviations.map((d) => [d.code, d.count])).toEqual([['NonceReused', 1]]);
    expect(retrying.deviations[0]!.example.path).not.toMatch(/Signature=/);
    expect(report.deviations).toBe(1);
  });

  it('--fail-on-deviation: exit 1 with one line on stderr naming the code, the JSON still on stdout', async () => {
    await retryWithSameNonce();
    const r = await conformance(['--fail-on-deviation', '--endpoint', `${emu.url}/memcached`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('cds-memcached-emulator conformance: 1 deviation(s) from 1 client(s): NonceReused 1\n');
    expect((JSON.parse(r.stdout) as Report).deviations).toBe(1);
  });

  it('--fail-on-deviation with only a conforming client: exit 0', async () => {
    const r = await conformance(['--fail-on-deviation'], { CDS_EMU_ENDPOINT: emu.url });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as Report;
    expect(report.clients.map((c) => [c.userAgent, c.deviations.length])).toEqual([[CONFORMING, 0]]);
  });

  it('--format table: a line per client, a row per deviation with its count and what the example call did', async () => {
    await retryWithSameNonce();
    const r = await conformance(['--format', 'table'], { CDS_EMU_ENDPOINT: emu.url });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Conformance since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: 2 client\(s\), 1 deviation\(s\) from 1 of them$/);
    const conforming = lines.findIndex((l) => l.includes(CONFORMING));
    expect(lines[conforming]!.startsWith(`${KEY_ID} · ${CONFORMING} · 1 call(s), `)).toBe(true);
    expect(lines[conforming + 1]).toBe('  no deviation');
    const retrying = lines.findIndex((l) => l.includes(RETRYING));
    expect(lines[retrying]).toMatch(/· 2 call\(s\), /);
    expect(lines[retrying + 1]).toMatch(/^ {2}CODE +COUNT +FIRST SEEN +LAST SEEN +EXAMPLE$/);
    expect(lines[retrying + 2]).toMatch(/^ {2}NonceReused +1 \(1 after an error\)|^ {2}NonceReused +1 +\d{4}-/);
    expect(lines[retrying + 2]!.length).toBeGreaterThan(60);
  });

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('on a terminal the table is the default', async () => {
    await retryWithSameNonce();
    // util-linux `script` gives the command a pseudo-terminal, as a person's shell does.
    const shell = [process.execPath, ...BIN].map((a) => `'${a}'`).join(' ');
    const r = await conformance([], { CDS_EMU_ENDPOINT: emu.url }, ['script', '-qec', shell, '/dev/null']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Conformance since /);
    expect(r.stdout).toMatch(/\n {2}NonceReused +1/);
  });

  it('--clear empties the report and says how much it cleared; the next read has no client', async () => {
    await retryWithSameNonce();
    const cleared = await conformance(['--clear'], { CDS_EMU_ENDPOINT: emu.url });
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toEqual({ cleared: expect.any(Number) });
    const r = await conformance(['--fail-on-deviation'], { CDS_EMU_ENDPOINT: emu.url });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ clients: [], deviations: 0 });
  });

  it('bad arguments: one line, exit 2', async () => {
    const r = await conformance(['--format', 'xml'], { CDS_EMU_ENDPOINT: emu.url });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('cds-memcached-emulator conformance: --format must be table or json, got "xml" (see conformance --help)\n');
  });
});

describe('cds-memcached-emulator conformance when it cannot read a report', () => {
  it('nothing listening at the endpoint: one line naming it, nothing on stdout, exit 3 (as call)', async () => {
    // A loopback port that was free a moment ago: bind, note, close.
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const r = await conformance(['--fail-on-deviation', '--endpoint', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`cds-memcached-emulator conformance: no answer from http://127.0.0.1:${port} (ECONNREFUSED); is the emulator running? (--endpoint / CDS_EMU_ENDPOINT)\n`);
  });

  it('a server that is not an emulator (404): one line, exit 4', async () => {
    const server = http.createServer((_, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await conformance([], { CDS_EMU_ENDPOINT: url });
      expect(r.code).toBe(4);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`cds-memcached-emulator conformance: ${url} has no conformance report (HTTP 404): an older emulator, or not an emulator\n`);
    } finally {
      server.close();
    }
  });

  it('an emulator with --admin-token: refused without the token (exit 4, says how to give it), read with CDS_EMU_ADMIN_TOKEN', async () => {
    const guarded = await startEmulator({ adminToken: 'cui-test-token' });
    try {
      const refused = await conformance([], { CDS_EMU_ENDPOINT: guarded.url });
      expect(refused.code).toBe(4);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/^cds-memcached-emulator conformance: GET http:\/\/127\.0\.0\.1:\d+\/_emulator\/conformance answered AdminTokenRequired: .* \(HTTP 401\); give the token with --admin-token or CDS_EMU_ADMIN_TOKEN\n$/);
      const read = await conformance([], { CDS_EMU_ENDPOINT: guarded.url, CDS_EMU_ADMIN_TOKEN: 'cui-test-token' });
      expect(read.code).toBe(0);
      expect(JSON.parse(read.stdout)).toMatchObject({ clients: [], deviations: 0 });
    } finally {
      await guarded.close();
    }
  });
});
