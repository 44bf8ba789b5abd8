// backends/process.ts — adapter: one detached memcached child per instance, tagged through its environment and recorded in a
// pid file so a restarted emulator can adopt it (with or without /proc); starts, stops, finds and probes, never kills a process not proven ours.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENV_EMULATOR, ENV_INSTANCE, findExecutable, openFilesHardLimit } from './procfs.js';
import { hasProcfs, shellOpenFilesHardLimit } from '../platform.js';
import { defaultClaimDir } from './blocks.js';
import { PidRecords, recordsDir } from './pid-records.js';
import { ProcessOwnership } from './process-owned.js';
import { eachLimited } from '../limit.js';
import type { Adapter, Handle } from './adapter.js';
import { AddressBusy } from './slots.js';
import { createLifecycle } from './lifecycle.js';
import { parseStats, waitUntilAnswers } from './memcached-text.js';
import type { Slot } from './blocks.js';
import { BackendClosing, type BackendOptions, type InstanceSpec, type MemcachedBackend } from './types.js';

const START_DEADLINE_MS = 5000;
const TERM_GRACE_MS = 2000;
const POLL_MS = 25;
const PROVE_AT_ONCE = 32;

export function createProcessBackend(opts: BackendOptions): MemcachedBackend {
  const log = opts.log.child({ backend: 'process' });
  const owned = new ProcessOwnership(opts.emulatorId, new PidRecords(recordsDir(opts.claimDir ?? defaultClaimDir(), opts.emulatorId)), log);
  // Children this process started, by pid: their exit is an event, no /proc read needed.
  const children = new Map<number, ChildProcess>();
  // memcached refuses to run as root unless told which user to become; as root it may stay root.
  const asRoot = process.getuid?.() === 0;

  const gone = (pid: number): boolean => {
    const child = children.get(pid);
    // A killed child is a zombie (gone for us) before Node hears of its exit: ask /proc too, where there is one.
    if (child && (child.exitCode !== null || child.signalCode !== null)) return true;
    return !owned.runs(pid);
  };

  /** Ours if we started it and it runs, or if it is proven ours (its /proc tags, or its record and its own `stats` pid): pids get reused. */
  const ours = async (pid: number, instanceId: string): Promise<boolean> => (children.has(pid) ? !gone(pid) : owned.ours(pid, instanceId));

  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone between the check and the signal.
    }
  };

  /**
   * gone(), and without /proc also a process that is not our child and has let go of its address: a zombie not yet reaped
   * (signal 0 cannot tell), or a memcached in its last moments, which SIGKILL ends at once (a no-op on a zombie).
   */
  async function goneNow(pid: number): Promise<boolean> {
    if (gone(pid)) return true;
    if (children.has(pid) || !(await owned.released(pid))) return false;
    signal(pid, 'SIGKILL');
    return true;
  }

  async function waitAllGone(pids: number[], ms: number): Promise<number[]> {
    const end = Date.now() + ms;
    const stillThere = async (ps: number[]): Promise<number[]> => {
      const done = await Promise.all(ps.map(goneNow));
      return ps.filter((_, n) => !done[n]);
    };
    let left = await stillThere(pids);
    while (left.length > 0 && Date.now() < end) {
      await sleep(POLL_MS);
      left = await stillThere(left);
    }
    return left;
  }

  /** SIGTERM to all at once, one shared grace period, then SIGKILL to the stragglers: linear in the count. */
  async function stopPids(items: Array<{ instanceId: string; handle: Handle }>): Promise<void> {
    const proven = new Set<number>();
    // Without /proc, proving a pid ours asks its memcached: a few at a time, not a thousand sockets at once.
    await eachLimited(items, PROVE_AT_ONCE, async (i) => {
      if (i.handle.pid !== undefined && (await ours(i.handle.pid, i.instanceId))) proven.add(i.handle.pid);
    });
    const pids = [...proven];
    if (pids.length === 0) return;
    for (const pid of pids) signal(pid, 'SIGTERM');
    let left = await waitAllGone(pids, TERM_GRACE_MS);
    if (left.length > 0) {
      log.warn({ pids: left.slice(0, 20), count: left.length }, 'memcached ignored SIGTERM; sending SIGKILL');
      for (const pid of left) signal(pid, 'SIGKILL');
      left = await waitAllGone(left, TERM_GRACE_MS);
    }
    for (const pid of pids) if (!left.includes(pid)) owned.ended(pid);
    if (left.length > 0) throw new Error(`memcached pid(s) ${left.slice(0, 10).join(', ')} did not exit after SIGKILL`);
  }

  // memcached needs an open-files limit of -c plus a few; a non-root user cannot go past the hard limit, and
  // memcached would refuse to start. Fewer connections beat no instance (Describe still reports Coon 10000).
  const hardLimit = hasProcfs() ? openFilesHardLimit() : shellOpenFilesHardLimit();
  function connectionsFor(spec: InstanceSpec): number {
    if (asRoot || hardLimit === undefined || hardLimit >= spec.maxConnections + 64) return spec.maxConnections;
    const conns = Math.max(64, hardLimit - 64);
    log.warn({ instanceId: spec.instanceId, hardLimit, conns }, 'open-files hard limit too low for -c 10000; starting memcached with fewer connections');
    return conns;
  }

  async function start(spec: InstanceSpec, slot: Slot | undefined, closing: AbortSignal): Promise<{ handle: Handle; at: Slot }> {
    if (!slot) throw new Error('the process backend needs an address');
    if (closing.aborted) throw new BackendClosing();
    const args = ['-l', slot.address, '-p', String(slot.port), '-m', String(spec.memoryMb), '-c', String(connectionsFor(spec)), '-U', '0'];
    if (asRoot) args.push('-u', 'root');
    // Detached (own session) and unref'd: the child must outlive a kill -9 of the emulator so it can be adopted.
    const child = spawn(findExecutable(opts.memcachedBin) ?? opts.memcachedBin, args, {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { [ENV_EMULATOR]: opts.emulatorId, [ENV_INSTANCE]: spec.instanceId },
    });
    if (child.pid !== undefined) {
      const pid = child.pid;
      children.set(pid, child);
      child.once('exit', () => {
        owned.ended(pid);
        setTimeout(() => children.get(pid) === child && children.delete(pid), 5000).unref();
      });
    }
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      stderr = (stderr + s).slice(-2048);
    });
    const died = new AbortController();
    // A graceful stop does not wait out the start deadline: the child is stopped below, like one that never answered.
    const onClosing = () => died.abort(new BackendClosing());
    closing.addEventListener('abort', onClosing, { once: true });
    child.on('error', (err) => died.abort(new Error(`cannot start ${opts.memcachedBin}: ${err.message}`)));
    child.once('close', (code, sig) => {
      const output = stderr.trim() || 'no output';
      died.abort(
        /address already in use|failed to listen/i.test(output)
          ? new AddressBusy(`${slot.address}:${slot.port} is taken: ${output}`)
          : new Error(`memcached exited (${sig ?? `code ${code}`}) before answering: ${output}`),
      );
    });
    // Probe the bound port on loopback: memcached may listen on every interface (service-container mode).
    const probeHost = slot.address === '0.0.0.0' ? '127.0.0.1' : slot.address;
    try {
      await waitUntilAnswers(probeHost, slot.port, START_DEADLINE_MS, {
        signal: died.signal,
        command: 'stats',
        accept: (lines) => child.pid !== undefined && parseStats(lines).get('pid') === String(child.pid),
      });
    } catch (err) {
      // Read the cause before stopping the child: its exit would otherwise mask a timeout.
      const cause: unknown = died.signal.aborted ? died.signal.reason : err;
      if (child.pid !== undefined) await stopPids([{ instanceId: spec.instanceId, handle: { ref: String(child.pid), pid: child.pid } }]).catch(() => undefined);
      throw cause;
    } finally {
      closing.removeEventListener('abort', onClosing);
    }
    const pid = child.pid as number;
    try {
      // Recorded before it is handed out: a restart finds it by this record where there is no /proc.
      if (child.exitCode === null && child.signalCode === null) owned.started({ pid, instanceId: spec.instanceId, address: slot.address, port: slot.port, startedAt: new Date().toISOString() });
    } catch (err) {
      await stopPids([{ instanceId: spec.instanceId, handle: { ref: String(pid), pid } }]).catch(() => undefined);
      throw new Error(`memcached started but could not be recorded in ${owned.records.dir} (${(err as Error).message}); it was stopped again`);
    }
    // Our end of stderr must not keep the emulator's event loop (or the child) tied to us.
    child.stderr?.destroy();
    child.unref();
    return { handle: { ref: String(pid), pid }, at: slot };
  }

  const handleOf = (ref: string): Handle | undefined => (/^\d+$/.test(ref) ? { ref, pid: Number(ref) } : undefined);

  const adapter: Adapter = {
    kind: 'process',
    leases: true,
    async findAll() {
      return (await owned.findAll()).map((p) => ({
        instanceId: p.instanceId,
        handle: { ref: String(p.pid), pid: p.pid },
        at: p.address && p.port ? { address: p.address, port: p.port } : undefined,
      }));
    },
    handleOf,
    start,
    stop: stopPids,
    async alive(h, exact) {
      if (h.pid === undefined) return undefined;
      const child = children.get(h.pid);
      if (child && (child.exitCode !== null || child.signalCode !== null)) return false;
      // Our own child's death arrives as an exit event within moments (libuv reaps it on SIGCHLD): the watchdog needs no
      // /proc read for it. An exact answer also tells a zombie not yet reaped; without /proc signal 0 cannot (a zombie
      // takes it), so a pid that runs leaves the exact answer to the network.
      if (child && !exact) return true;
      const runs = await owned.runsAsync(h.pid);
      return runs && exact && !owned.procfs ? undefined : runs;
    },
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
