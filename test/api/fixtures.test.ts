import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, docCreate, type Emulator } from '../helpers/emulator.js';
import { CdsMemcachedClient } from '../../src/client/index.js';

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-fixtures-'));
  fs.writeFileSync(path.join(dir, 'regions.json'), JSON.stringify([{ RegionId: 'US_Dallas_A', SiteName: '北美地区-达拉斯-可用区A' }]));
  fs.writeFileSync(
    path.join(dir, 'vdcs.json'),
    JSON.stringify([{ VdcId: 'vdc-us-1', VdcName: 'dallas-team', RegionId: 'US_Dallas_A', Pipes: [{ PipeId: 'pipe-us-1', Segment: '192.0.2.0/28' }] }]),
  );
  fs.writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify([{ AccessKeyId: 'team-ak', AccessKeySecret: 'team-sk' }]));
  emu = await startEmulator({ fixturesDir: dir });
});
afterAll(async () => {
  await emu.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('--fixtures DIR replaces the built-in fixtures', () => {
  it('accepts only the credentials of the folder', async () => {
    const wellKnown = await emu.client.call('MemcachedInstanceList');
    expect([wellKnown.status, wellKnown.body.Code]).toEqual([401, 'InvalidAccessKeyId']);
    // Keys of the user's own are never listed to a caller.
    expect(wellKnown.body.Message).toBe('AccessKeyId 不存在 (the AccessKeyId is not known)');
    const team = new CdsMemcachedClient({ endpoint: emu.url, accessKeyId: 'team-ak', accessKeySecret: 'team-sk' });
    expect((await team.memcachedInstanceList()).Total).toBe(0);
  });

  it("knows only the folder's VDCs, regions and pipes", async () => {
    const team = new CdsMemcachedClient({ endpoint: emu.url, accessKeyId: 'team-ak', accessKeySecret: 'team-sk' });
    const doc = await team.call('CreateMemcachedInstance', docCreate);
    expect(doc.body.Code).toBe('20001');
    const { InstanceIds } = await team.createMemcachedInstance({ ConfSize: '1G', VdcId: 'vdc-us-1', PipeId: 'pipe-us-1', RegionId: 'US_Dallas_A' });
    const d = await team.waitForStatus(InstanceIds[0], ['running']);
    expect([d.AppName, d.SiteName, d.SiteId]).toEqual(['dallas-team', '北美地区-达拉斯-可用区A', 'US_Dallas_A']);
    expect(d.Address).toMatch(/^192\.0\.2\.([1-9]|1[0-4])$/);
  });
});
