// One emulator per state file (issue 12, item 1) where no memcached is needed: in one process, and a race of processes.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/index.js';
import { StartupError } from '../../src/errors.js';
import { ROOT } from '../helpers/spawn.js';

const tempDir = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-own-')));

describe('one emulator per state file', () => {
  it('item 1: startEmulator() on a state file another emulator of this process holds (by any path) throws the one line, and close() frees it', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'state.db');
    fs.symlinkSync(dir, `${dir}-alias`);
    const first = await startEmulator({ data, backend: 'none' });
    try {
      const line = `${data} is in use by another emulator in this process (pid ${process.pid}); fix: stop that emulator first, or give this one another --data file (or --data :memory:)`;
      for (const alias of [data, path.join(`${dir}-alias`, 'state.db'), path.relative(process.cwd(), data)]) {
        const refused = await startEmulator({ data: alias, backend: 'none' }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(StartupError);
        expect((refused as Error).message).toBe(line);
      }
      // The first one never noticed.
      expect((await first.client.memcachedInstanceList()).Total).toBe(0);
    } finally {
      await first.close();
    }
    const again = await startEmulator({ data, backend: 'none' });
    await again.close();
    // Its lock file stays (removing it would let two holders lock two different files); the owner record goes.
    expect(fs.readdirSync(dir).sort()).toEqual(['state.db', 'state.db.lock']);
    fs.rmSync(`${dir}-alias`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('item 1: of processes that lock one new state file at the same instant, exactly one wins and the others name its pid, round after round', async () => {
    // Two starts that meet within microseconds could each refuse the other (SQLite's shared lock), leaving no winner:
    // a few rounds of that moment in a row, on two busy-waiting processes (the cores here), catch it almost surely.
    const dir = tempDir();
    const ROUNDS = 40;
    const files = Array.from({ length: ROUNDS }, (_, k) => path.join(dir, `state-${k}.db`));
    // Each child loads the lock module, says "ready", reads the first instant, and tries lock k at that instant + k steps.
    const script = `
      const { lockStateFile } = await import(${JSON.stringify(path.join(ROOT, 'src/store/owner-lock.ts'))});
      const files = ${JSON.stringify(files)};
      process.stdout.write('ready\\n');
      process.stdin.once('data', (d) => {
        const at = Number(String(d));
        for (let k = 0; k < files.length; k++) {
          while (Date.now() < at + k * 150) {}
          try { lockStateFile(files[k]); process.stdout.write(k + ' won ' + process.pid + '\\n'); }
          catch (e) { process.stdout.write(k + ' refused ' + e.message + '\\n'); }
        }
        process.stdin.once('end', () => process.exit(0)); // the winners hold their locks until the test lets go
      });`;
    const children = Array.from({ length: 2 }, () => {
      const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      const waiting = new Set<() => void>();
      p.stdout.on('data', (d) => {
        out += d;
        for (const check of waiting) check();
      });
      const lines = (n: number) =>
        new Promise<string[]>((resolve) => {
          const check = () => out.split('\n').length > n && (waiting.delete(check), resolve(out.split('\n').slice(0, n)));
          waiting.add(check);
          check();
        });
      return { p, lines, exited: new Promise((r) => p.on('exit', r)) };
    });
    try {
      await Promise.all(children.map((c) => c.lines(1)));
      const at = Date.now() + 200;
      for (const c of children) c.p.stdin.write(`${at}\n`);
      const answers = (await Promise.all(children.map((c) => c.lines(1 + ROUNDS)))).flatMap((l) => l.slice(1));
      for (let k = 0; k < ROUNDS; k++) {
        const round = answers.filter((a) => a.startsWith(`${k} `)).map((a) => a.slice(`${k} `.length));
        const won = round.filter((a) => a.startsWith('won '));
        expect({ round: k, won: won.length }).toEqual({ round: k, won: 1 });
        const winner = won[0].slice('won '.length);
        for (const a of round.filter((x) => !x.startsWith('won '))) expect(a).toMatch(new RegExp(`^refused ${files[k]} is in use by another emulator \\(pid ${winner}, since `));
      }
    } finally {
      for (const c of children) c.p.stdin.end();
      await Promise.all(children.map((c) => c.exited));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('item 1: the lock holds after a garbage collection, even when its holder kept no handle to it', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'state.db');
    const lockModule = JSON.stringify(path.join(ROOT, 'src/store/owner-lock.ts'));
    // The first process drops what lockStateFile returned and collects garbage twice before it says "locked".
    const holder = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', `
      const { lockStateFile } = await import(${lockModule});
      lockStateFile(${JSON.stringify(data)});
      globalThis.gc(); await new Promise((r) => setTimeout(r, 200)); globalThis.gc();
      process.stdout.write('locked');
      process.stdin.once('end', () => process.exit(0));
      process.stdin.resume();`], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((r) => holder.on('exit', r));
    try {
      await new Promise<void>((resolve) => holder.stdout.on('data', (d) => String(d).includes('locked') && resolve()));
      const second = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
        const { lockStateFile } = await import(${lockModule});
        try { lockStateFile(${JSON.stringify(data)}); process.stdout.write('won'); } catch (e) { process.stdout.write('refused ' + e.message); }`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      second.stdout.on('data', (d) => (out += d));
      await new Promise((r) => second.on('exit', r));
      expect(out).toMatch(new RegExp(`^refused ${data} is in use by another emulator \\(pid ${holder.pid}, since `));
    } finally {
      holder.stdin.end();
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
