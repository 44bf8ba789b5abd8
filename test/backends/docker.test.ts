// test/backends/docker.test.ts — the docker backend against a real engine (DOCKER_HOST) and image, in the network mode
// CDS_EMU_DOCKER_NETWORK resolves to; skipped without an engine unless CDS_EMU_REQUIRE_DOCKER=1.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { dataContract, reconcileContract } from '../helpers/backend-contract.js';
import { DOCKER_NETWORK } from '../helpers/backend-env.js';
import { read, stillAnswers } from '../helpers/memcached.js';
import { createDockerBackend, LABEL_EMULATOR, LABEL_INSTANCE, pingDocker, planDockerNetwork } from '../../src/backends/docker.js';
import { parseStats, sendCommand } from '../../src/backends/memcached-text.js';
import type { BackendOptions, Endpoint, InstanceSpec, MemcachedBackend } from '../../src/backends/types.js';

const dockerHost = process.env.DOCKER_HOST || undefined;
const image = process.env.CDS_EMU_MEMCACHED_IMAGE || 'local/memcached:test';
const requireDocker = process.env.CDS_EMU_REQUIRE_DOCKER === '1';
const ping = await pingDocker({ dockerHost }, 1500);
const emulatorId = `test-${randomUUID()}`;
const opts: BackendOptions = { emulatorId, memcachedBin: 'unused', memcachedImage: image, dockerHost, dockerNetwork: DOCKER_NETWORK, log: pino({ level: 'silent' }) };
const mode = ping === true ? (await planDockerNetwork(opts)).mode : 'unknown';
const spec = (instanceId: string, memoryMb = 64): InstanceSpec => ({ instanceId, memoryMb, maxConnections: 10000, segment: '192.0.2.0/24' });

const socketPath = dockerHost?.startsWith('unix://') ? dockerHost.slice('unix://'.length) : undefined;
const engine = new Docker(socketPath ? { socketPath, host: undefined } : undefined);
const labelled = async (id = emulatorId) =>
  engine.listContainers({ all: true, filters: { label: [`${LABEL_EMULATOR}=${id}`] } });

describe('docker backend without an engine', () => {
  it('rejects provision at once with the reason when the engine is unreachable', async () => {
    const backend = createDockerBackend({ ...opts, dockerHost: 'unix:///nonexistent/docker.sock' });
    await expect(backend.provision(spec(randomUUID()))).rejects.toThrow(/docker engine at unix:\/\/\/nonexistent\/docker.sock is not usable: .*ENOENT/);
  });
});

// An engine started with --bridge=none (CI's main one) runs a container without a network: nothing to publish on.
const bridgeless = ping === true && !(await engine.listNetworks()).some((n) => n.Name === 'bridge');
describe.runIf(bridgeless)('docker backend asked to publish by an engine without a bridge network', () => {
  it('issue 14 item 3: a create fails with the reason and the fix, and leaves no container', async () => {
    const own = `test-${randomUUID()}`;
    const backend = createDockerBackend({ ...opts, emulatorId: own, dockerNetwork: 'publish' });
    await expect(backend.provision(spec(randomUUID()))).rejects.toThrow(
      'the engine published no host port for 11211/tcp (an engine without a bridge network, e.g. dockerd --bridge=none, cannot publish; use --docker-network host there)',
    );
    expect(await labelled(own)).toEqual([]);
  });
});

describe.skipIf(ping !== true && !requireDocker)(`docker backend (${mode} network)`, { timeout: 60_000 }, () => {
  const backend = createDockerBackend(opts);
  const others: MemcachedBackend[] = [];
  const id = { a: randomUUID(), b: randomUUID(), dead: randomUUID(), stray: randomUUID(), never: randomUUID() };
  const ep: Record<string, Endpoint> = {};
  const pid: Record<string, number> = {}; // container id → host pid of its memcached
  const remember = async (e: Endpoint): Promise<Endpoint> => {
    pid[e.ref as string] = (await engine.getContainer(e.ref as string).inspect()).State.Pid;
    return e;
  };

  afterAll(async () => {
    await Promise.allSettled([backend.shutdown(), ...others.map((o) => o.shutdown())]);
    if (ping !== true) return;
    // Last resort if a shutdown test failed: no labelled container may outlive the file.
    for (const c of await labelled()) await engine.getContainer(c.Id).remove({ force: true });
  });

  it('reaches the docker engine', () => {
    expect(ping, `docker engine at ${dockerHost ?? 'the default socket'}`).toBe(true);
  });

  it('provisions two containers, each answering on its own endpoint from the host', async () => {
    [ep.a, ep.b] = await Promise.all([backend.provision(spec(id.a)).then(remember), backend.provision(spec(id.b)).then(remember)]);
    expect(`${ep.a.address}:${ep.a.port}`).not.toBe(`${ep.b.address}:${ep.b.port}`);
    const containers = await labelled();
    expect(containers.map((c) => c.Labels[LABEL_INSTANCE]).sort()).toEqual([id.a, id.b].sort());
    expect(containers.map((c) => c.Id).sort()).toEqual([ep.a.ref, ep.b.ref].sort());
    for (const e of [ep.a, ep.b]) {
      expect(e.address).toMatch(/^127\./);
      const stats = parseStats(await sendCommand(e.address, e.port, 'stats'));
      expect(stats.get('max_connections')).toBe('10000');
      expect(stats.get('pid')).toBe(String(pid[e.ref as string])); // this container's memcached, not a neighbour's
    }
  });

  it.runIf(mode === 'publish')('issue 14 item 3: publish: memcached listens on 0.0.0.0:11211 in its container, published on 127.0.0.1 only, at the port its endpoint reports', async () => {
    const info = await engine.getContainer(ep.a.ref as string).inspect();
    expect(info.HostConfig.NetworkMode).not.toBe('host');
    expect(info.Config.Cmd.slice(0, 5)).toEqual(['memcached', '-l', '0.0.0.0', '-p', '11211']);
    expect(info.HostConfig.PortBindings).toEqual({ '11211/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(info.NetworkSettings.Ports['11211/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(ep.a.port) }]);
    expect(ep.a.address).toBe('127.0.0.1');
  });

  dataContract(backend, ep, 256);

  it('reports an instance down once its container is killed', async () => {
    ep.dead = await backend.provision(spec(id.dead));
    expect(await backend.isUp(ep.dead)).toBe(true);
    await engine.getContainer(ep.dead.ref as string).kill();
    for (let i = 0; i < 100 && (await engine.getContainer(ep.dead.ref as string).inspect()).State.Running; i++) await sleep(50);
    expect(await backend.isUp(ep.dead)).toBe(false);
  });

  it('destroy removes the container, frees the address, and succeeds again when already gone', async () => {
    await backend.destroy(id.b, ep.b);
    expect((await labelled()).map((c) => c.Labels[LABEL_INSTANCE])).not.toContain(id.b);
    expect(await stillAnswers(ep.b, pid[ep.b.ref as string])).toBe(false);
    await expect(backend.destroy(id.b, ep.b)).resolves.toBeUndefined();
    await expect(backend.destroy(id.never, undefined)).resolves.toBeUndefined();
  });

  reconcileContract(
    {
      name: 'a new backend with the same emulatorId adopts running containers, reports stopped ones missing and removes strays',
      spec: (instanceId) => spec(instanceId),
      provision: async (s) => remember(await backend.provision(s)),
      next: () => {
        const next = createDockerBackend(opts);
        others.push(next);
        return next;
      },
      running: async () => (await labelled()).map((c) => c.Id).sort(),
      pidOf: (e) => pid[e.ref as string],
    },
    ep,
    id,
  );

  it('rejects at once with the reason when the image is missing', async () => {
    const missing = createDockerBackend({ ...opts, memcachedImage: 'local/no-such-memcached:never' });
    await expect(missing.provision(spec(randomUUID()))).rejects.toThrow(/image local\/no-such-memcached:never not found on the docker engine/);
    expect((await labelled()).length).toBe(2); // nothing was created for it
  });

  it.runIf(mode === 'publish')('issue 14 item 3: publish: an instance started again after its container died gets the port it had published', async () => {
    const next = others[0];
    const again = await next.provision({ ...spec(id.dead), preferred: { address: ep.dead.address, port: ep.dead.port } });
    expect(`${again.address}:${again.port}`).toBe(`${ep.dead.address}:${ep.dead.port}`);
    expect(again.ref).not.toBe(ep.dead.ref);
    expect((await engine.getContainer(again.ref as string).inspect()).HostConfig.PortBindings).toEqual({ '11211/tcp': [{ HostIp: '127.0.0.1', HostPort: String(ep.dead.port) }] });
    expect(await next.isUp(again)).toBe(true);
  });

  it('shutdown removes every container each backend started or adopted', async () => {
    await Promise.all([backend.shutdown(), ...others.map((o) => o.shutdown())]);
    expect(await labelled()).toEqual([]);
    expect(await stillAnswers(ep.a, pid[ep.a.ref as string])).toBe(false);
  });
});
