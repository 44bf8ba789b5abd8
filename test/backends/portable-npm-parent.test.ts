// test/backends/portable-npm-parent.test.ts — under `npm start`, the emulator follows npm; with CDS_EMU_PORTABLE=1 it does so
// from its parent pid alone, reading nothing under /proc (the kill -9 of npm itself: npm-start-crash.test.ts, run in both modes).
import { afterEach, describe, expect, it, vi } from 'vitest';

const reads = vi.hoisted(() => ({ proc: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
    if (String(args[0]).startsWith('/proc')) reads.proc.push(String(args[0]));
    return fs.readFileSync(...args);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

const { npmChain } = await import('../../src/npm-parent.js');

describe('following npm start', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    reads.proc.length = 0;
  });

  it('issue 14 item 2: with CDS_EMU_PORTABLE=1 follows its parent pid and reads nothing under /proc', () => {
    vi.stubEnv('CDS_EMU_PORTABLE', '1');
    expect(npmChain()).toEqual([process.ppid]);
    expect(reads.proc).toEqual([]);
  });

  it.runIf(process.platform === 'linux')('on Linux otherwise asks /proc whether its parent is a shell npm left in between', () => {
    vi.stubEnv('CDS_EMU_PORTABLE', '');
    expect(npmChain()[0]).toBe(process.ppid);
    expect(reads.proc).toContain(`/proc/${process.ppid}/comm`);
  });
});
