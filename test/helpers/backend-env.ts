// test/helpers/backend-env.ts — which real backends this machine has, and how to list what each left running.
import Docker from 'dockerode';
import { scanTagged } from '../../src/backends/procfs.js';
import { findExecutable } from '../../src/backends/procfs.js';
import { engineOptions } from '../../src/backends/docker-engine.js';

export const IMAGE = process.env.CDS_EMU_MEMCACHED_IMAGE ?? 'local/memcached:test';
/** How the docker tests reach containers (CI's publish step sets publish); auto otherwise, as a user's default. */
export const DOCKER_NETWORK = (process.env.CDS_EMU_DOCKER_NETWORK || 'auto') as 'host' | 'publish' | 'auto';
export const hasMemcached = findExecutable(process.env.CDS_EMU_MEMCACHED_BIN ?? 'memcached') !== undefined;

export async function dockerAnswers(): Promise<boolean> {
  try {
    await new Docker(engineOptions(process.env.DOCKER_HOST)).ping();
    return true;
  } catch {
    return false;
  }
}

/** CI sets CDS_EMU_REQUIRE_DOCKER=1: there a missing engine is a failure, not a skip. */
export async function dockerAvailable(): Promise<boolean> {
  const ok = await dockerAnswers();
  if (!ok && process.env.CDS_EMU_REQUIRE_DOCKER === '1') throw new Error('CDS_EMU_REQUIRE_DOCKER=1 but no docker engine answers at DOCKER_HOST');
  return ok;
}

/** The memcached processes or containers that carry this emulator's id, alive or not. */
export async function leftovers(kind: 'process' | 'docker', emulatorId: string): Promise<number> {
  if (kind === 'process') return scanTagged(emulatorId).length;
  const docker = new Docker(engineOptions(process.env.DOCKER_HOST));
  const list = await docker.listContainers({ all: true, filters: { label: [`cds-emu.emulator=${emulatorId}`] } });
  return list.length;
}

/** After a failed assertion: remove what this test's emulator left (its own processes or containers only). */
export async function removeLeftovers(kind: 'process' | 'docker', emulatorId: string): Promise<void> {
  if (!emulatorId) return;
  if (kind === 'process') {
    for (const p of scanTagged(emulatorId)) process.kill(p.pid, 'SIGKILL');
    // A SIGKILLed process lingers until the kernel has torn it down (on a loaded machine, a moment): wait for that.
    for (let i = 0; i < 100 && scanTagged(emulatorId).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    return;
  }
  const docker = new Docker(engineOptions(process.env.DOCKER_HOST));
  const list = await docker.listContainers({ all: true, filters: { label: [`cds-emu.emulator=${emulatorId}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}
