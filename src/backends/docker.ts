// backends/docker.ts — adapter: one labelled memcached container per instance through the Docker Engine API; starts, stops, finds and probes; never pulls, never creates networks, puts a deadline on every engine call.
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { demux, engine, engineFacts, engineOptions, removeContainer, status } from './docker-engine.js';
import { keptPort, listedPort, networkPlan, portBindings, PORT_KEY, publishedPort, type NetworkPlan } from './docker-network.js';
import { MEMCACHED_PORT, type Slot } from './blocks.js';
import type { Adapter, Found, Handle } from './adapter.js';
import { AddressBusy, AddressHeld } from './slots.js';
import { createLifecycle } from './lifecycle.js';
import { eachLimited } from '../limit.js';
import { parseStats, waitUntilAnswers } from './memcached-text.js';
import { BackendClosing, type BackendOptions, type InstanceSpec, type MemcachedBackend } from './types.js';

export { pingDocker } from './docker-engine.js';

export const LABEL_EMULATOR = 'cds-emu.emulator';
export const LABEL_INSTANCE = 'cds-emu.instance';
const LABEL_ADDRESS = 'cds-emu.address';
const LABEL_PORT = 'cds-emu.port';
const LABEL_NETWORK = 'cds-emu.network';
const START_DEADLINE_MS = 10_000;
const REMOVALS_AT_ONCE = 8;

/** --docker-network resolved against the engine (a rootless or Docker Desktop engine keeps its host network to itself). */
export async function planDockerNetwork(opts: BackendOptions): Promise<NetworkPlan> {
  const facts = opts.dockerNetwork === 'publish' ? {} : await engineFacts(new Docker(engineOptions(opts.dockerHost)));
  return networkPlan(opts.dockerNetwork ?? 'auto', opts, facts);
}

export function createDockerBackend(opts: BackendOptions, plan = networkPlan(opts.dockerNetwork ?? 'auto', opts)): MemcachedBackend {
  const log = opts.log.child({ backend: 'docker' });
  const docker = new Docker(engineOptions(opts.dockerHost));
  // Host networking puts memcached on this machine's loopback (leased addresses); otherwise the engine publishes a port.
  const hostNet = plan.mode === 'host';
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

  async function start(spec: InstanceSpec, slot: Slot | undefined, closing: AbortSignal): Promise<{ handle: Handle; at: Slot }> {
    if (closing.aborted) throw new BackendClosing();
    const listen = slot ?? { address: '0.0.0.0', port: MEMCACHED_PORT };
    const nofile = spec.maxConnections + 1024; // memcached sets its fd limit to -c and fails if the hard limit is lower
    // Published: the port the instance had (a restart keeps its address), else one the engine picks.
    const kept = slot ? undefined : keptPort(plan, opts.advertiseHost || plan.reach, spec.preferred);
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
          [LABEL_NETWORK]: plan.mode,
          ...(slot ? { [LABEL_ADDRESS]: slot.address, [LABEL_PORT]: String(slot.port) } : {}),
        },
        ExposedPorts: slot ? undefined : { [PORT_KEY]: {} },
        HostConfig: {
          // Host pid namespace: memcached's `STAT pid` then equals State.Pid, proving which container answers an address.
          PidMode: 'host',
          ...(slot ? { NetworkMode: 'host' } : { PortBindings: portBindings(plan, kept) }),
          Ulimits: [{ Name: 'nofile', Soft: nofile, Hard: nofile }],
          RestartPolicy: { Name: 'no' },
        },
      }),
      15_000,
    );
    try {
      if (closing.aborted) throw new BackendClosing();
      await engine('start container', container.start(), 15_000).catch((err: Error) => {
        if (/rlimit/i.test(err.message)) throw new Error(`the docker engine cannot set nofile to ${nofile}, which memcached -c ${spec.maxConnections} needs: ${err.message}`);
        if (kept && /already (allocated|in use)/i.test(err.message)) {
          throw new AddressHeld(`${spec.instanceId} keeps its address ${opts.advertiseHost || plan.reach}:${kept}, but the engine could not publish that port again: ${err.message}`);
        }
        throw err;
      });
      const info = await engine('inspect container', container.inspect());
      if (!info.State.Running) throw await exitReason(container, slot);
      const published = slot ? slot.port : publishedPort(info.NetworkSettings.Ports);
      if (!published) throw new Error(`the engine published no host port for ${PORT_KEY} (an engine without a bridge network, e.g. dockerd --bridge=none, cannot publish; use --docker-network host there)`);
      const at: Slot = slot ?? { address: plan.reach, port: published };
      const pid = info.State.Pid;
      const probe = at.address === '0.0.0.0' ? { address: '127.0.0.1', port: at.port } : at;
      const died = new AbortController();
      // A graceful stop does not wait out the start deadline: the container is removed below, like one that never answered.
      const onClosing = () => died.abort(new BackendClosing());
      if (closing.aborted) onClosing();
      else closing.addEventListener('abort', onClosing, { once: true });
      const watcher = (async () => {
        while (!died.signal.aborted) {
          await sleep(200, undefined, { signal: died.signal }).catch(() => undefined);
          const now = await engine('inspect container', container.inspect()).catch(() => undefined);
          if (!died.signal.aborted && now && !now.State.Running) died.abort(await exitReason(container, slot));
        }
      })();
      try {
        await waitUntilAnswers(probe.address, probe.port, START_DEADLINE_MS, {
          signal: died.signal,
          command: 'stats',
          accept: (lines) => parseStats(lines).get('pid') === String(pid),
        });
      } catch (err) {
        throw died.signal.aborted ? died.signal.reason : err;
      } finally {
        closing.removeEventListener('abort', onClosing);
        if (!died.signal.aborted) died.abort(new Error('done'));
        await watcher;
      }
      return { handle: { ref: container.id, pid }, at };
    } catch (err) {
      await remove(container.id).catch((e: Error) => log.warn({ err: e.message }, 'could not remove a failed container'));
      throw err;
    }
  }

  /** Where a surviving container listens: its labels (host networking), or the port the engine says it published. */
  function atOf(c: Docker.ContainerInfo): Slot | undefined {
    if (c.Labels[LABEL_ADDRESS]) return { address: c.Labels[LABEL_ADDRESS], port: Number(c.Labels[LABEL_PORT]) };
    const port = listedPort(c.Ports);
    return port ? { address: plan.reach, port } : undefined;
  }
  // Containers from before the label: only host networking labelled an address.
  const modeOf = (c: Docker.ContainerInfo): string => c.Labels[LABEL_NETWORK] ?? (c.Labels[LABEL_ADDRESS] ? 'host' : 'publish');

  async function findAll(): Promise<Found[]> {
    const found: Found[] = [];
    for (const c of await listOurs()) {
      const at = c.State === 'running' ? atOf(c) : undefined;
      // A stopped container, or one of the other network mode, is found without a place: reconcile removes it.
      const usable = at && modeOf(c) === plan.mode ? at : undefined;
      const pid = usable ? (await engine('inspect container', docker.getContainer(c.Id).inspect()).catch(() => undefined))?.State.Pid : undefined;
      found.push({ instanceId: c.Labels[LABEL_INSTANCE], handle: { ref: c.Id, pid }, at: usable });
    }
    return found;
  }

  async function stop(items: Array<{ instanceId: string; handle: Handle }>): Promise<void> {
    const ids = [...new Set(items.map((i) => i.handle.ref))];
    const errors: Error[] = [];
    await eachLimited(ids, REMOVALS_AT_ONCE, (id) => remove(id).catch((e: Error) => void errors.push(e)));
    if (errors.length > 0) throw errors[0];
  }

  const adapter: Adapter = {
    kind: 'docker',
    leases: hostNet,
    reach: hostNet ? undefined : plan.reach,
    findAll,
    async findOne(instanceId) {
      return (await listOurs(instanceId)).map((c) => ({ ref: c.Id }));
    },
    // Only container ids: a pid from the process backend's state must not be taken for one.
    handleOf: (ref) => (/^[0-9a-f]{12,64}$/.test(ref) ? { ref } : undefined),
    async prepare(spec) {
      try {
        await engine(`inspect image ${opts.memcachedImage}`, docker.getImage(opts.memcachedImage).inspect(), 3000);
      } catch (err) {
        if (status(err) === 404) throw new Error(`image ${opts.memcachedImage} not found on the docker engine at ${where} (the emulator never pulls; pull or import it first)`);
        throw new Error(`docker engine at ${where} is not usable: ${(err as Error).message}`);
      }
      // A container left by an earlier failed attempt would hold the name.
      await stop((await listOurs(spec.instanceId)).map((c) => ({ instanceId: spec.instanceId, handle: { ref: c.Id } })));
    },
    start,
    stop,
  };
  return createLifecycle(adapter, {
    emulatorId: opts.emulatorId,
    data: opts.data ?? ':memory:',
    advertiseHost: opts.advertiseHost,
    instancePorts: opts.instancePorts,
    claimDir: opts.claimDir,
    log: opts.log,
  });
}
