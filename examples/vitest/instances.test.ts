// examples/vitest/instances.test.ts — a test that reaches the emulator the global setup started.
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CdsMemcachedClient, EmulatorAdmin } from 'cds-memcached-emulator/client';

const endpoint = inject('cdsEndpoint');
// The emulator's well-known key pair is the client's default.
const api = new CdsMemcachedClient({ endpoint });
const admin = new EmulatorAdmin({ endpoint });

describe('my code that provisions a memcached', () => {
  afterEach(async () => {
    await admin.reset();
  });

  it('sees a new instance become running', async () => {
    const { InstanceIds } = await api.createMemcachedInstance({
      RegionId: 'CN_Beijing_H',
      VdcId: 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5',
      PipeId: '48de2f3c-b3df-11ec-8bed-e6717c813be8',
      ConfSize: '1G',
    });
    const id = InstanceIds[0]!;
    const detail = await api.waitForStatus(id, ['running']);
    expect(detail.InstanceConf).toBe('1G');
    expect((await api.memcachedInstanceList()).Total).toBe(1);
  });
});
