// backends/docker.ts — one labelled memcached container per instance through the Docker Engine API; never pulls, never creates networks, puts a deadline on every engine call.
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { demux, engine, engineIsLocalLinux, engineOptions, removeContainer, status } from './docker-engine.js';
import { LoopbackAllocator, MEMCACHED_PORT, type Slot } from './loopback.js';
import { answersAsPid, flushMemcached, resizeMemcached } from './memcached-ops.js';
import { parseStats, waitUntilAnswers } from './memcached-text.js';
import type { BackendOptions, Endpoint, InstanceSpec, KnownInstance, MemcachedBackend, ReconcileResult } from './types.js';

export { pingDocker } from './docker-engine.js';

export const LABEL_EMULATOR = 'cds-emu.emulator';
export const LABEL_INSTANCE = 'cds-emu.instance';
const LABEL_ADDRESS = 'cds-emu.address';
const LABEL_PORT = 'cds-emu.port';
const START_DEADLINE_MS = 10_000;
// Several emulators starting instances at the same moment do lose races for an address; each loss costs one
// failed memcached start (tens of ms), so be generous.
const BIND_ATTEMPTS = 20;

class AddressBusy extends Error {}

export function createDockerBackend(opts: BackendOptions): MemcachedBackend {
  const log = opts.log.child({ backend: 'docker' });
  const docker = new Docker(engineOptions(opts.dockerHost));
  const hostNet = engineIsLocalLinux(opts.dockerHost);
  // A remote engine publishes on its own host; a local non-Linux one (Docker Desktop) on this machine's loopback.
  const remoteHost = opts.dockerHost && /^(tcp|https?):\/\//.test(opts.dockerHost) ? new URL(opts.dockerHost).hostname : undefined;
  const publishAddress = remoteHost ?? '127.0.0.1';
  const slots = new LoopbackAllocator(log);
  // The host pid of each memcached (host mode) lets isUp tell ours from a squatter without asking the engine.
  const tracked = new Map<string, { containerId: string; endpoint: Endpoint; pid?: number }>();
  const where = opts.dockerHost ?? 'the local docker socket';

  const nameOf = (instanceId: string): string => `cds-emu-${opts.emulatorId.slice(0, 8)}-${instanceId}`.replace(/[^a-zA-Z0-9_.-]/g, '-');

  async function listOurs(instanceId?: string): Promise<Docker.ContainerInfo[]> {
    const label = [`${LABEL_EMULATOR}=${opts.emulatorId}`, ...(instanceId ? [`${LABEL_INSTANCE}=${instanceId}`] : [])];
    return engine('list containers', docker.listContainers({ all: true, filters: { label } }));
  }

  const remove = (containerId: string) => removeContainer(docker, containerId);

  async function exitReason(container: Docker.Container, slot: Slot | undefined): Promise<Error> {
    const info = await engine('inspect container', container.inspect()).catch(() => undefined);
    const logs = await engine('container logs', container.logs({ stdout: true, stderr: true, tail: 20, follow: false }))
      .then(demux)
      .catch((err: Error) => `(no logs: ${err.message})`);
    const text = logs.trim() || 'no output';
    if (slot && /address already in use|failed to listen/i.test(text)) return new AddressBusy(`${slot.address}:${slot.port} is taken: ${text}`);
    return new Error(`container for memcached exited (code ${info?.State.ExitCode ?? '?'}) before answering: ${text}`);
  }

  async function startContainer(spec: InstanceSpec, slot: Slot | undefined): Promise<{ endpoint: Endpoint; pid?: number }> {
    const listen = slot ?? { address: '0.0.0.0', port: MEMCACHED_PORT };
    const nofile = spec.maxConnections + 1024; // memcached sets its fd limit to -c and fails if the hard limit is lower
    const container = await engine(
      'create container',
      docker.createContainer({
        name: nameOf(spec.instanceId),
        Image: opts.memcachedImage,
        // `-u root` lets the root-only imported image start; as the official image's `memcache` user it is ignored.
        Cmd: ['memcached', '-l', listen.address, '-p', String(listen.port), '-m', String(spec.memoryMb), '-c', String(spec.maxConnections), '-U', '0', '-u', 'root'],
        Labels: {
          [LABEL_EMULATOR]: opts.emulatorId,
          [LABEL_INSTANCE]: spec.instanceId,
          ...(slot ? { [LABEL_ADDRESS]: slot.address, [LABEL_PORT]: String(slot.port) } : {}),
        },
        ExposedPorts: slot ? undefined : { [`${MEMCACHED_PORT}/tcp`]: {} },
        HostConfig: {
          // Host pid namespace: memcached's `STAT pid` then equals State.Pid, proving which container answers an address.
          ...(slot ? { NetworkMode: 'host', PidMode: 'host' } : { PortBindings: { [`${MEMCACHED_PORT}/tcp`]: [{ HostIp: /^(127\.|localhost$)/.test(publishAddress) ? '127.0.0.1' : '', HostPort: '' }] } }),
          Ulimits: [{ Name: 'nofile', Soft: nofile, Hard: nofile }],
          RestartPolicy: { Name: 'no' },
        },
      }),
      15_000,
    );
    try {
      await engine('start container', container.start(), 15_000).catch((err: Error) => {
        if (!/rlimit/i.test(err.message)) throw err;
        throw new Error(`the docker engine cannot set nofile to ${nofile}, which memcached -c ${spec.maxConnections} needs: ${err.message}`);
      });
      const info = await engine('inspect container', container.inspect());
      if (!info.State.Running) throw await exitReason(container, slot);
      const endpoint: Endpoint = slot
        ? { address: slot.address, port: slot.port, ref: container.id }
        : { address: publishAddress, port: Number(info.NetworkSettings.Ports?.[`${MEMCACHED_PORT}/tcp`]?.[0]?.HostPort), ref: container.id };
      if (!endpoint.port) throw new Error('the engine published no host port for 11211/tcp');
      const pid = slot ? info.State.Pid : undefined;
      const died = new AbortController();
      const watcher = (async () => {
        while (!died.signal.aborted) {
          await sleep(200, undefined, { signal: died.signal }).catch(() => undefined);
          const now = await engine('inspect container', container.inspect()).catch(() => undefined);
          if (!died.signal.aborted && now && !now.State.Running) died.abort(await exitReason(container, slot));
        }
      })();
      try {
        await waitUntilAnswers(endpoint.address, endpoint.port, START_DEADLINE_MS, {
          signal: died.signal,
          command: 'stats',
          accept: (lines) => pid === undefined || parseStats(lines).get('pid') === String(pid),
        });
      } catch (err) {
        throw died.signal.aborted ? died.signal.reason : err;
      } finally {
        if (!died.signal.aborted) died.abort(new Error('done'));
        await watcher;
      }
      return { endpoint, pid };
    } catch (err) {
      await remove(container.id).catch((e: Error) => log.warn({ err: e.message }, 'could not remove a failed container'));
      throw err;
    }
  }

  async function destroy(instanceId: string, endpoint: Endpoint | undefined): Promise<void> {
    const t = tracked.get(instanceId);
    const ids = new Set((await listOurs(instanceId)).map((c) => c.Id));
    if (t) ids.add(t.containerId);
    await Promise.all([...ids].map(remove));
    tracked.delete(instanceId);
    if (t && hostNet) slots.release(t.endpoint);
    // A stale endpoint from the state may name a slot another instance holds now.
    const holders = [...tracked.values()].map((o) => LoopbackAllocator.key(o.endpoint));
    if (endpoint && hostNet && !holders.includes(LoopbackAllocator.key(endpoint))) slots.release(endpoint);
    if (ids.size > 0) log.info({ instanceId, containers: [...ids].map((id) => id.slice(0, 12)) }, 'memcached container removed');
  }

  async function provision(spec: InstanceSpec): Promise<Endpoint> {
    const existing = tracked.get(spec.instanceId);
    if (existing && (await answersAsPid(existing.endpoint, existing.pid))) return existing.endpoint;
    if (existing) await destroy(spec.instanceId, undefined); // a dead one: free its slot, leave no duplicate
    const started = Date.now();
    try {
      await engine(`inspect image ${opts.memcachedImage}`, docker.getImage(opts.memcachedImage).inspect(), 3000);
    } catch (err) {
      if (status(err) === 404) throw new Error(`image ${opts.memcachedImage} not found on the docker engine at ${where} (the emulator never pulls; pull or import it first)`);
      throw new Error(`docker engine at ${where} is not usable: ${(err as Error).message}`);
    }
    // A container left by an earlier failed attempt would hold the name.
    await Promise.all((await listOurs(spec.instanceId)).map((c) => remove(c.Id)));
    const avoid = new Set<string>();
    let last: Error | undefined;
    for (let attempt = 0; attempt < (hostNet ? BIND_ATTEMPTS : 1); attempt++) {
      const slot = hostNet ? await slots.acquire(avoid, attempt === 0 ? spec.preferred : undefined) : undefined;
      try {
        const { endpoint, pid } = await startContainer(spec, slot);
        tracked.set(spec.instanceId, { containerId: endpoint.ref as string, endpoint, pid });
        log.info({ instanceId: spec.instanceId, ...endpoint, ms: Date.now() - started }, 'memcached container answers');
        return endpoint;
      } catch (err) {
        if (slot) slots.release(slot);
        if (!(err instanceof AddressBusy) || !slot) throw err;
        avoid.add(LoopbackAllocator.key(slot));
        last = err;
      }
    }
    throw new Error(`memcached container for ${spec.instanceId} found no free address after ${BIND_ATTEMPTS} attempts: ${last?.message}`);
  }

  /** The endpoint a surviving container serves, from its labels (host mode) or its published port. */
  function endpointOf(c: Docker.ContainerInfo): Endpoint | undefined {
    if (c.Labels[LABEL_ADDRESS]) return { address: c.Labels[LABEL_ADDRESS], port: Number(c.Labels[LABEL_PORT]), ref: c.Id };
    const published = c.Ports.find((p) => p.PrivatePort === MEMCACHED_PORT && p.PublicPort);
    return published ? { address: publishAddress, port: published.PublicPort, ref: c.Id } : undefined;
  }

  async function reconcile(known: KnownInstance[]): Promise<ReconcileResult> {
    const result: ReconcileResult = { adopted: [], missing: [], strays: 0 };
    const containers = await listOurs();
    const knownIds = new Set(known.map((k) => k.instanceId));
    const removals: Array<Promise<void>> = [];
    for (const c of containers.filter((c) => !knownIds.has(c.Labels[LABEL_INSTANCE]))) {
      result.strays++;
      removals.push(remove(c.Id));
    }
    for (const k of known) {
      let adopted: Endpoint | undefined;
      for (const c of containers.filter((c) => c.Labels[LABEL_INSTANCE] === k.instanceId)) {
        const endpoint = c.State === 'running' ? endpointOf(c) : undefined;
        const pid = endpoint && c.Labels[LABEL_ADDRESS] ? (await engine('inspect container', docker.getContainer(c.Id).inspect()).catch(() => undefined))?.State.Pid : undefined;
        if (!adopted && endpoint && (await answersAsPid(endpoint, pid))) {
          adopted = endpoint;
          tracked.set(k.instanceId, { containerId: c.Id, endpoint, pid });
          if (hostNet && c.Labels[LABEL_ADDRESS]) slots.markTaken(endpoint);
        } else {
          removals.push(remove(c.Id)); // stopped, silent, or a duplicate
        }
      }
      if (adopted) result.adopted.push({ instanceId: k.instanceId, endpoint: adopted });
      else if (k.endpoint) result.missing.push(k.instanceId);
    }
    await Promise.all(removals);
    log.info({ adopted: result.adopted.length, missing: result.missing.length, strays: result.strays }, 'docker backend reconciled');
    return result;
  }

  return {
    kind: 'docker',
    provision,
    resize: (endpoint, memoryMb) => resizeMemcached(endpoint, memoryMb),
    flush: (endpoint) => flushMemcached(endpoint),
    destroy,
    isUp(endpoint) {
      const t = [...tracked.values()].find((v) => v.containerId === endpoint.ref);
      return answersAsPid(endpoint, t?.pid);
    },
    reconcile,
    async shutdown() {
      await Promise.all([...tracked.entries()].map(([id, t]) => destroy(id, t.endpoint)));
    },
  };
}
