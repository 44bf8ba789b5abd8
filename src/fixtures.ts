// fixtures.ts — loads and checks regions, VDCs with their pipes, credentials and seeded instances from a folder; no state.
import fs from 'node:fs';
import path from 'node:path';
import { loadSeedFile, type SeedInstance } from './domain/seed-file.js';
import { WELL_KNOWN_KEY } from './contract/index.js';

export interface Region { RegionId: string; SiteName: string }
export interface Pipe { PipeId: string; PipeName?: string; Segment: string }
export interface Vdc { VdcId: string; VdcName: string; RegionId: string; Pipes: Pipe[] }
export interface Credential { AccessKeyId: string; AccessKeySecret: string }

export interface Fixtures {
  regions: Map<string, Region>;
  vdcs: Map<string, Vdc>;
  credentials: Map<string, string>;
  /** Seeded state (instances.json, optional): written when the state is empty, at start-up and on reset. */
  instances: SeedInstance[];
}

function readJsonArray<T>(dir: string, name: string): T[] {
  const file = path.join(dir, name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`fixtures: cannot read ${file}: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`fixtures: ${file} must hold a JSON array`);
  return parsed as T[];
}

function need(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`fixtures: ${what}`);
}

export function loadFixtures(dir: string, override?: { id?: string; secret?: string }): Fixtures {
  const regions = new Map<string, Region>();
  for (const r of readJsonArray<Region>(dir, 'regions.json')) {
    need(typeof r.RegionId === 'string' && typeof r.SiteName === 'string', `region needs RegionId and SiteName: ${JSON.stringify(r)}`);
    regions.set(r.RegionId, r);
  }
  const vdcs = new Map<string, Vdc>();
  for (const v of readJsonArray<Vdc>(dir, 'vdcs.json')) {
    need(typeof v.VdcId === 'string' && typeof v.VdcName === 'string', `VDC needs VdcId and VdcName: ${JSON.stringify(v)}`);
    need(regions.has(v.RegionId), `VDC ${v.VdcId} names unknown region ${v.RegionId}`);
    need(Array.isArray(v.Pipes) && v.Pipes.length > 0, `VDC ${v.VdcId} needs at least one pipe`);
    for (const p of v.Pipes) need(/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(p.Segment ?? ''), `pipe ${p.PipeId} needs a CIDR Segment`);
    vdcs.set(v.VdcId, v);
  }
  const credentials = new Map<string, string>();
  const credFile = path.join(dir, 'credentials.json');
  const creds = fs.existsSync(credFile)
    ? readJsonArray<Credential>(dir, 'credentials.json')
    : [{ AccessKeyId: WELL_KNOWN_KEY.accessKeyId, AccessKeySecret: WELL_KNOWN_KEY.accessKeySecret }];
  for (const c of creds) {
    need(typeof c.AccessKeyId === 'string' && typeof c.AccessKeySecret === 'string', 'credential needs AccessKeyId and AccessKeySecret');
    credentials.set(c.AccessKeyId, c.AccessKeySecret);
  }
  if (override?.id || override?.secret) {
    credentials.delete(WELL_KNOWN_KEY.accessKeyId);
    credentials.set(override.id ?? WELL_KNOWN_KEY.accessKeyId, override.secret ?? WELL_KNOWN_KEY.accessKeySecret);
  }
  const seedFile = path.join(dir, 'instances.json');
  const instances = fs.existsSync(seedFile) ? loadSeedFile(seedFile, { regions, vdcs }) : [];
  return { regions, vdcs, credentials, instances };
}

/** The fixtures a configuration names, with its credential override applied (start-up and reset alike). */
export function fixturesFor(config: { fixturesDir: string; accessKeyId?: string; accessKeySecret?: string }): Fixtures {
  return loadFixtures(config.fixturesDir, { id: config.accessKeyId, secret: config.accessKeySecret });
}
