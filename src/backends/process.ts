// backends/process.ts — one detached memcached child per instance, tagged through its environment so a restarted emulator can adopt it; no SQL, no HTTP, never kills an untagged process.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENV_EMULATOR, ENV_INSTANCE, findExecutable, isAlive, openFilesHardLimit, readTagged, scanTagged } from './procfs.js';
import { LoopbackAllocator, type Slot } from './loopback.js';
import { answersAsPid, flushMemcached, resizeMemcached } from './memcached-ops.js';
import { parseStats, waitUntilAnswers } from './memcached-text.js';
import type { BackendOptions, Endpoint, InstanceSpec, KnownInstance, MemcachedBackend, ReconcileResult } from './types.js';

const START_DEADLINE_MS = 5000;
// Several emulators starting instances at the same moment do lose races for an address; each loss costs one
// failed memcached start (tens of ms), so be generous.
const BIND_ATTEMPTS = 20;
const TERM_GRACE_MS = 2000;

interface Tracked {
  pid: number;
  endpoint: Endpoint;
  child?: ChildProcess;
}

/** Memcached could not bind its address: someone else (another emulator?) holds it, so try another. */
class AddressBusy extends Error {}

export function createProcessBackend(opts: BackendOptions): MemcachedBackend {
  const log = opts.log.child({ backend: 'process' });
  const slots = new LoopbackAllocator(log);
  const tracked = new Map<string, Tracked>();
  // memcached refuses to run as root unless told which user to become; as root it may stay root.
  const asRoot = process.getuid?.() === 0;

  const gone = (pid: number, child?: ChildProcess): boolean =>
    child ? child.exitCode !== null || child.signalCode !== null : !isAlive(pid);

  async function waitGone(pid: number, ms: number, child?: ChildProcess): Promise<boolean> {
    const end = Date.now() + ms;
    while (!gone(pid, child)) {
      if (Date.now() >= end) return false;
      await sleep(20);
    }
    return true;
  }

  /** SIGTERM, then SIGKILL; only if the pid is still our child or still carries this instance's tags (pids get reused). */
  async function stopPid(pid: number, instanceId: string, child?: ChildProcess): Promise<void> {
    const tag = child ? undefined : readTagged(pid);
    const ours = child ? !gone(pid, child) : tag?.emulatorId === opts.emulatorId && tag.instanceId === instanceId;
    if (!ours) return;
    const send = (sig: NodeJS.Signals): void => {
      try {
        process.kill(pid, sig);
      } catch {
        // Already gone between the check and the signal.
      }
    };
    send('SIGTERM');
    if (await waitGone(pid, TERM_GRACE_MS, child)) return;
    log.warn({ pid, instanceId }, 'memcached ignored SIGTERM; sending SIGKILL');
    send('SIGKILL');
    if (!(await waitGone(pid, TERM_GRACE_MS, child))) throw new Error(`memcached pid ${pid} of ${instanceId} did not exit after SIGKILL`);
  }

  // memcached needs an open-files limit of -c plus a few; a non-root user cannot go past the hard limit, and
  // memcached would refuse to start. Fewer connections beat no instance (Describe still reports Coon 10000).
  const hardLimit = openFilesHardLimit();
  function connectionsFor(spec: InstanceSpec): number {
    if (asRoot || hardLimit === undefined || hardLimit >= spec.maxConnections + 64) return spec.maxConnections;
    const conns = Math.max(64, hardLimit - 64);
    log.warn({ instanceId: spec.instanceId, hardLimit, conns }, 'open-files hard limit too low for -c 10000; starting memcached with fewer connections');
    return conns;
  }

  async function startAt(spec: InstanceSpec, slot: Slot): Promise<Tracked> {
    const args = ['-l', slot.address, '-p', String(slot.port), '-m', String(spec.memoryMb), '-c', String(connectionsFor(spec)), '-U', '0'];
    if (asRoot) args.push('-u', 'root');
    // Detached (own session) and unref'd: the child must outlive a kill -9 of the emulator so it can be adopted.
    const child = spawn(findExecutable(opts.memcachedBin) ?? opts.memcachedBin, args, {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { [ENV_EMULATOR]: opts.emulatorId, [ENV_INSTANCE]: spec.instanceId },
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      stderr = (stderr + s).slice(-2048);
    });
    const died = new AbortController();
    child.on('error', (err) => died.abort(new Error(`cannot start ${opts.memcachedBin}: ${err.message}`)));
    child.once('close', (code, signal) => {
      const output = stderr.trim() || 'no output';
      died.abort(
        /address already in use|failed to listen/i.test(output)
          ? new AddressBusy(`${slot.address}:${slot.port} is taken: ${output}`)
          : new Error(`memcached exited (${signal ?? `code ${code}`}) before answering: ${output}`),
      );
    });
    try {
      await waitUntilAnswers(slot.address, slot.port, START_DEADLINE_MS, {
        signal: died.signal,
        command: 'stats',
        accept: (lines) => child.pid !== undefined && parseStats(lines).get('pid') === String(child.pid),
      });
    } catch (err) {
      // Read the cause before stopping the child: its exit would otherwise mask a timeout.
      const cause: unknown = died.signal.aborted ? died.signal.reason : err;
      if (child.pid !== undefined) await stopPid(child.pid, spec.instanceId, child).catch(() => undefined);
      throw cause;
    }
    // Our end of stderr must not keep the emulator's event loop (or the child) tied to us.
    child.stderr?.destroy();
    child.unref();
    const pid = child.pid as number;
    return { pid, child, endpoint: { address: slot.address, port: slot.port, ref: String(pid) } };
  }

  async function destroy(instanceId: string, endpoint: Endpoint | undefined): Promise<void> {
    const t = tracked.get(instanceId);
    const stops = new Map<number, ChildProcess | undefined>();
    if (t) stops.set(t.pid, t.child);
    if (endpoint?.ref && /^\d+$/.test(endpoint.ref) && !stops.has(Number(endpoint.ref))) stops.set(Number(endpoint.ref), undefined);
    // Also catches a process of this instance that the state never learned about (e.g. a crash mid-provision).
    for (const p of scanTagged(opts.emulatorId)) if (p.instanceId === instanceId && !stops.has(p.pid)) stops.set(p.pid, undefined);
    await Promise.all([...stops].map(([pid, child]) => stopPid(pid, instanceId, child)));
    tracked.delete(instanceId);
    if (t) slots.release(t.endpoint);
    // A stale endpoint from the state may name a slot another instance holds now.
    const holders = [...tracked.values()].map((o) => LoopbackAllocator.key(o.endpoint));
    if (endpoint && !holders.includes(LoopbackAllocator.key(endpoint))) slots.release(endpoint);
    if (stops.size > 0) log.info({ instanceId, pids: [...stops.keys()] }, 'memcached stopped');
  }

  return {
    kind: 'process',

    async provision(spec) {
      const existing = tracked.get(spec.instanceId);
      if (existing && (await answersAsPid(existing.endpoint, existing.pid, 1000))) return existing.endpoint;
      if (existing) await destroy(spec.instanceId, undefined); // a dead one: free its slot, leave no duplicate
      const started = Date.now();
      const avoid = new Set<string>();
      let last: Error | undefined;
      for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
        const slot = await slots.acquire(avoid, attempt === 0 ? spec.preferred : undefined);
        try {
          const t = await startAt(spec, slot);
          tracked.set(spec.instanceId, t);
          log.info({ instanceId: spec.instanceId, ...t.endpoint, ms: Date.now() - started }, 'memcached answers');
          return t.endpoint;
        } catch (err) {
          slots.release(slot);
          if (!(err instanceof AddressBusy)) throw err;
          avoid.add(LoopbackAllocator.key(slot));
          last = err;
          log.debug({ instanceId: spec.instanceId, slot, err: err.message }, 'address taken meanwhile; trying the next one');
        }
      }
      throw new Error(`memcached for ${spec.instanceId} found no free address after ${BIND_ATTEMPTS} attempts: ${last?.message}`);
    },

    resize: (endpoint, memoryMb) => resizeMemcached(endpoint, memoryMb),
    flush: (endpoint) => flushMemcached(endpoint),
    destroy,

    isUp(endpoint) {
      const pid = endpoint.ref && /^\d+$/.test(endpoint.ref) ? Number(endpoint.ref) : undefined;
      return answersAsPid(endpoint, pid, 1000);
    },

    async reconcile(known: KnownInstance[]): Promise<ReconcileResult> {
      const result: ReconcileResult = { adopted: [], missing: [], strays: 0 };
      const alive = scanTagged(opts.emulatorId);
      const knownIds = new Set(known.map((k) => k.instanceId));
      const stops: Array<Promise<void>> = [];
      for (const p of alive.filter((a) => !knownIds.has(a.instanceId))) {
        result.strays++;
        stops.push(stopPid(p.pid, p.instanceId));
      }
      for (const k of known) {
        let adopted: Endpoint | undefined;
        for (const p of alive.filter((a) => a.instanceId === k.instanceId)) {
          const endpoint = p.address && p.port ? { address: p.address, port: p.port, ref: String(p.pid) } : undefined;
          if (!adopted && endpoint && (await answersAsPid(endpoint, p.pid, 1000))) {
            adopted = endpoint;
            const child = tracked.get(k.instanceId)?.pid === p.pid ? tracked.get(k.instanceId)?.child : undefined;
            tracked.set(k.instanceId, { pid: p.pid, endpoint, child });
            slots.markTaken(endpoint);
          } else {
            stops.push(stopPid(p.pid, k.instanceId)); // a duplicate, or one that no longer answers
          }
        }
        if (adopted) result.adopted.push({ instanceId: k.instanceId, endpoint: adopted });
        else if (k.endpoint) result.missing.push(k.instanceId);
      }
      await Promise.all(stops);
      log.info({ adopted: result.adopted.length, missing: result.missing.length, strays: result.strays }, 'process backend reconciled');
      return result;
    },

    async shutdown() {
      await Promise.all([...tracked.entries()].map(([id, t]) => destroy(id, t.endpoint)));
    },
  };
}
