// test/api/cli-call-output.test.ts — what `call` prints where, as docs/getting-started.md says: the answer's JSON on
// stdout whatever its Code, and for an error also a one-line summary on stderr.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { spawn } from 'node:child_process';
import { ROOT } from '../helpers/spawn.js';

/** The bin's `call`, from the source, as a user's shell runs it. */
function call(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'call', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

describe('cds-memcached-emulator call', () => {
  it('on an error: exit 1, the error envelope on stdout, and one summary line on stderr with the same RequestId', async () => {
    const r = await call(['DescribeMemcachedInstance', 'InstanceId=no-such-id'], { CDS_EMU_ENDPOINT: emu.url });
    expect(r.code).toBe(1);
    const answer = JSON.parse(r.stdout) as { Code: string; Message: string; Data: unknown; RequestId: string };
    expect(answer).toEqual({ Code: 'ResourceNotFound', Message: '资源不存在: no-such-id', Data: {}, RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe(`ResourceNotFound: 资源不存在: no-such-id (HTTP 404, RequestId ${answer.RequestId})\n`);
  });

  it('on success: exit 0, the answer on stdout and nothing on stderr', async () => {
    const r = await call(['MemcachedInstanceList'], { CDS_EMU_ENDPOINT: emu.url });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ Code: 'Success', Data: { Total: 0 } });
    expect(r.stderr).toBe('');
  });

  it('the example that ends `call --help` works as written (the built-in fixtures): exit 0, one instance created', async () => {
    const help = await call(['--help'], {});
    expect(help.code).toBe(0);
    const example = help.stdout.trim().split('\n').at(-1)!.trim();
    expect(example).toMatch(/^cds-memcached-emulator call CreateMemcachedInstance /);
    const r = await call(example.split(/\s+/).slice(2), { CDS_EMU_ENDPOINT: emu.url });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const { InstanceIds } = (JSON.parse(r.stdout) as { Data: { InstanceIds: string[] } }).Data;
    expect(InstanceIds).toHaveLength(1);
    expect((await emu.client.describeMemcachedInstance(InstanceIds[0]!)).InstanceId).toBe(InstanceIds[0]);
  });
});
