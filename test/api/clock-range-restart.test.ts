// A state file that already holds times outside what the API can show (an older version let the clock go there):
// after a restart every read answers, every time reads YYYY-MM-DD HH:mm:ss, and a log line says what was repaired.
import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { buildConfig } from '../../src/config.js';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { docCreate, control, type Emulator } from '../helpers/emulator.js';

const DAY = 86_400_000;
const VENDOR_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

let dir: string | undefined;
let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The emulator on a state file on disk, its log lines kept as objects. */
async function start(data: string) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const cfg = buildConfig({ data, backend: 'none', taskMode: 'manual', host: '127.0.0.1', port: 0 });
  const { app } = await buildApp(cfg, log);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  close = () => app.close();
  const client = new CdsMemcachedClient({ endpoint: url });
  // `control` only needs the Fastify app.
  const emu = { app } as unknown as Emulator;
  const stop = async () => {
    await app.close();
    close = undefined;
  };
  return { emu, client, lines, stop };
}

describe('item 8: a state file that already holds out-of-range times', () => {
  it('item 8: after a restart, List, Describe, the state and the clock answer, times are clamped into 0000–9999 and a log line says so', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-clock-range-'));
    const data = path.join(dir, 'state.db');
    const first = await start(data);
    const { InstanceIds } = await first.client.createMemcachedInstance({ ...docCreate, Amount: 3 });
    await control(first.emu, 'POST', '/_emulator/tasks/run', {});
    await first.client.updateMemcachedInstance(InstanceIds[2]!, '2G');
    await first.stop();

    // What an older version stored after `{"days":1e9}` (past JavaScript's dates), `{"days":1e7}` (a 6-digit year)
    // and a seed dated before year 0.
    const now = Date.now();
    const db = new Database(data);
    const setInst = db.prepare('UPDATE instances SET created_at = ?, updated_at = ? WHERE id = ?');
    setInst.run(now + 1e9 * DAY, now + 1e9 * DAY, InstanceIds[0]);
    setInst.run(now + 1e7 * DAY, now + 1e7 * DAY + 1, InstanceIds[1]);
    setInst.run(-1e14, -1e14, InstanceIds[2]);
    db.prepare('UPDATE tasks SET created_at = ?, due_at = ?, finished_at = ?').run(now + 1e9 * DAY, now + 1e9 * DAY, now + 1e9 * DAY);
    db.close();

    const second = await start(data);
    const list = await second.client.memcachedInstanceList();
    expect(list.Total).toBe(3);
    const byId = new Map(list.InstanceList.map((i) => [i.InstanceId, i]));
    expect(byId.get(InstanceIds[0]!)?.CreateTime).toBe('9999-12-31 23:59:59');
    expect(byId.get(InstanceIds[1]!)?.UpdateTime).toBe('9999-12-31 23:59:59');
    expect(byId.get(InstanceIds[2]!)?.CreateTime).toBe('0000-01-01 00:00:00');
    for (const id of InstanceIds) {
      const d = await second.client.describeMemcachedInstance(id);
      expect([d.CreateTime, d.UpdateTime]).toEqual([expect.stringMatching(VENDOR_TIME), expect.stringMatching(VENDOR_TIME)]);
      expect(d.RunningTime).toMatch(/^\d+个月\d+天\d+小时\d+分\d+秒$/);
    }
    const state = await control(second.emu, 'GET', '/_emulator/state');
    expect(state.status).toBe(200);
    for (const t of state.body.tasks) for (const at of [t.createdAt, t.dueAt, t.finishedAt]) expect(Number.isNaN(new Date(at).getTime())).toBe(false);
    expect((await control(second.emu, 'GET', '/_emulator/clock')).status).toBe(200);
    expect(second.lines).toContainEqual(expect.objectContaining({ level: 40, instances: 3, tasks: 4, msg: expect.stringContaining('outside') }));

    // The repair is written back: the next start finds nothing to repair.
    await second.stop();
    const third = await start(data);
    expect(third.lines.some((l) => String(l.msg).includes('outside'))).toBe(false);
    expect((await third.client.memcachedInstanceList()).Total).toBe(3);
  });
});
