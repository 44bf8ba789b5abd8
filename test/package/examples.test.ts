// test/package/examples.test.ts — the examples in examples/ run against the installed tarball, and a consumer's strict
// tsc compile passes under nodenext and bundler resolution.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.js';
import { run } from './lib.js';

const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

describe('a project that installed the tarball', () => {
  for (const mode of ['nodenext', 'bundler']) {
    it(`type-checks against it under the strictest settings (moduleResolution ${mode})`, async () => {
      const r = await run(process.execPath, [tsc, '-p', `tsconfig.${mode}.json`]);
      expect(r.stdout + r.stderr).toBe('');
      expect(r.code).toBe(0);
    });
  }

  it('runs the vitest globalSetup example', async () => {
    const r = await run(process.execPath, [path.join('node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', 'examples/vitest', '--reporter', 'dot'], { NO_COLOR: '1' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+1 passed/);
  });

  it('runs the node:test example', async () => {
    const r = await run(process.execPath, ['--test', 'examples/node-test/']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/# pass 2\n# fail 0/);
  });
});
