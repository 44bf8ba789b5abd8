// examples/node-test/instances.test.mjs — the emulator in a node:test file (`node --test`), no test framework needed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from 'cds-memcached-emulator';

let emu;
before(async () => {
  // manual task mode: nothing finishes until the test says so, which makes the in-between states easy to see.
  emu = await startEmulator({ taskMode: 'manual' });
});
after(() => emu.close());

test('an instance is creating until its task runs, then running', async () => {
  const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance({
    RegionId: 'CN_Beijing_H',
    VdcId: 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5',
    PipeId: '48de2f3c-b3df-11ec-8bed-e6717c813be8',
    ConfSize: '1G',
  });
  assert.equal((await emu.client.describeMemcachedInstance(InstanceIds[0])).Status, 'creating');
  await emu.admin.runTasks(TaskIds[0]);
  const detail = await emu.client.waitForStatus(InstanceIds[0], ['running']);
  assert.equal(detail.Status, 'running');
});

test('reset leaves nothing behind', async () => {
  await emu.admin.reset();
  assert.equal((await emu.client.memcachedInstanceList()).Total, 0);
});
