// test/package/consumer/consumer.mts — what a project outside the repository writes against the installed package; only
// type-checked (under the strictest settings), never run.
import { startEmulator, type EmulatorOptions, type RunningEmulator } from 'cds-memcached-emulator';
import { CdsMemcachedClient, EmulatorAdmin, type FaultRuleInput, type TaskView } from 'cds-memcached-emulator/client';

const options: EmulatorOptions = { backend: 'none', taskDelayMs: 0, logLevel: 'warn', fixtures: './fixtures', nonceCheck: true, memcachedBin: 'memcached' };

export async function useIt(): Promise<string> {
  const emu: RunningEmulator = await startEmulator(options);
  const { InstanceIds } = await emu.client.createMemcachedInstance({ RegionId: 'r', VdcId: 'v', PipeId: 'p', ConfSize: '1G' });
  const first = InstanceIds[0];
  if (first === undefined) throw new Error('no instance');
  const detail = await emu.client.waitForStatus(first, ['running']);
  const tasks: TaskView[] = await emu.admin.runTasks();
  const rule: FaultRuleInput = { action: 'CreateMemcachedInstance', effect: { type: 'error', status: 503, code: 'Busy', message: 'busy' } };
  await emu.admin.addFault(rule);
  const state = await emu.admin.state();
  await emu.admin.reset();
  await emu.close();
  return `${detail.Address}:${detail.Port} ${tasks.length} ${state.emulatorId} ${emu.credentials.accessKeyId} ${emu.endpoint}`;
}

export function standalone(url: string): [CdsMemcachedClient, EmulatorAdmin] {
  return [new CdsMemcachedClient({ endpoint: url }), new EmulatorAdmin({ endpoint: url, adminToken: 'secret' })];
}
