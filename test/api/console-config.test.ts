// The console's one call before it draws: its answer keeps exactly the documented shape (ConsoleConfig), with no
// field more or less, since no response schema trims it on the way out.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { ConsoleConfig } from '../../src/http/console-config.js';
import { WELL_KNOWN_KEY } from '../../src/contract/index.js';
import { control, startEmulator, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

describe('GET /_emulator/console-config', () => {
  it('answers exactly the ConsoleConfig shape, with the well-known key and the running configuration', async () => {
    const res = await control(emu, 'GET', '/_emulator/console-config');
    expect(res.status).toBe(200);
    expect([...Value.Errors(ConsoleConfig, res.body)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    expect(res.body.backend).toBe('none');
    expect(res.body.features).toEqual({ journal: true, faults: true, clock: true });
    expect(res.body.credential).toEqual({ accessKeyId: WELL_KNOWN_KEY.accessKeyId, accessKeySecret: WELL_KNOWN_KEY.accessKeySecret, wellKnown: true });
  });
});
