// test/backends/api-docker.test.ts — the docker backend through the API (the shared backend suite), in the network mode
// CDS_EMU_DOCKER_NETWORK resolves to, plus what a user sees of a published port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import pino from 'pino';
import { backendSuite } from '../helpers/backend-suite.js';
import { dockerAnswers, dockerAvailable, leftovers, DOCKER_NETWORK, IMAGE } from '../helpers/backend-env.js';
import { startEmulator, docCreate, type Emulator } from '../helpers/emulator.js';
import { setGet } from '../helpers/memcached.js';
import { engineOptions } from '../../src/backends/docker-engine.js';
import { planDockerNetwork } from '../../src/backends/docker.js';

backendSuite('docker', dockerAvailable);

const dockerHost = process.env.DOCKER_HOST || undefined;
const opts = { emulatorId: 'plan', memcachedBin: 'unused', memcachedImage: IMAGE, dockerHost, dockerNetwork: DOCKER_NETWORK, log: pino({ level: 'silent' }) };
const mode = (await dockerAnswers()) ? (await planDockerNetwork(opts)).mode : 'unknown';

describe.runIf(mode === 'publish')('docker backend with published ports, through the API', () => {
  const published = { backend: 'docker' as const, taskDelayMs: 0, watchdogMs: 200, memcachedImage: IMAGE, dockerNetwork: DOCKER_NETWORK };
  const docker = new Docker(engineOptions(dockerHost));
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator(published);
  });
  afterAll(async () => {
    const id = emu?.ctx.store.emulatorId;
    await emu?.close();
    if (id) expect(await leftovers('docker', id)).toBe(0);
  });

  it('issue 14 item 3: Describe reports 127.0.0.1 and the port the engine published, where the instance answers', async () => {
    const state = await (await fetch(`${emu.url}/_emulator/state`)).json();
    expect(state.backend).toMatchObject({ kind: 'docker', reason: expect.stringContaining('publish network') });
    const { InstanceIds } = await emu.client.createMemcachedInstance(docCreate);
    const inst = await emu.client.waitForStatus(InstanceIds[0], ['running', 'error']);
    expect(inst.Status).toBe('running');
    const [c] = await docker.listContainers({ filters: { label: [`cds-emu.instance=${inst.InstanceId}`] } });
    const published = c.Ports.find((p) => p.PrivatePort === 11211);
    expect(published).toMatchObject({ IP: '127.0.0.1', PublicPort: Number(inst.Port) });
    expect([inst.Address, inst.Port]).toEqual(['127.0.0.1', String(published?.PublicPort)]);
    expect(await setGet(inst.Address, inst.Port, 'through-the-published-port', 'yes')).toBe('yes');
  });

  it('issue 14 item 3: in service-container mode Describe gives the advertised name and a port of --instance-ports, published on every interface', async () => {
    const svc = await startEmulator({ ...published, advertiseHost: 'emulator', instancePorts: '21100-21109' });
    try {
      const { InstanceIds } = await svc.client.createMemcachedInstance({ ...docCreate, Amount: 2 });
      const both = await Promise.all(InstanceIds.map((i) => svc.client.waitForStatus(i, ['running', 'error'])));
      expect(both.map((d) => [d.Status, d.Address])).toEqual([['running', 'emulator'], ['running', 'emulator']]);
      for (const d of both) {
        expect(Number(d.Port)).toBeGreaterThanOrEqual(21100);
        expect(Number(d.Port)).toBeLessThanOrEqual(21109);
        const [c] = await docker.listContainers({ filters: { label: [`cds-emu.instance=${d.InstanceId}`] } });
        expect(c.Ports.find((p) => p.PrivatePort === 11211 && p.IP === '0.0.0.0')?.PublicPort).toBe(Number(d.Port));
        // The emulator itself reaches it on this machine's loopback, whatever the advertised name.
        expect(await setGet('127.0.0.1', d.Port, 'k', d.InstanceId)).toBe(d.InstanceId);
      }
    } finally {
      const id = svc.ctx.store.emulatorId;
      await svc.close();
      expect(await leftovers('docker', id)).toBe(0);
    }
  });
});
