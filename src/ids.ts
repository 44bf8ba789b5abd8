// ids.ts — how instance ids and default instance names are made; injected (an override of createEmulator) so tests can
// pin them. No state.
import { randomBytes, randomUUID } from 'node:crypto';

export interface Ids {
  instance(): string;
  defaultName(): string;
}

export const randomIds: Ids = {
  instance: () => randomUUID(),
  defaultName: () => `memcached-${randomBytes(4).toString('hex')}`,
};
