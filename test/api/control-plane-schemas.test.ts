// The control plane's answers are those of its schemas (harness/types.ts), and GET /_emulator/openapi-control-plane.json
// is a valid OpenAPI 3.1 document made of the same schemas, naming only routes that exist.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { startEmulator, control, docCreate, signedQuery, type Emulator } from '../helpers/emulator.js';
import { ClockAdvanced, EmulatorHealth, EmulatorState, FaultList, ResetResult, TasksRun } from '../../src/harness/control-plane.js';
import { EmulatorAdmin } from '../../src/client/admin.js';

type Doc = { openapi: string; paths: Record<string, Record<string, { 'x-admin-method'?: string }>>; components: { schemas: Record<string, unknown> } };

let emu: Emulator;
let doc: Doc;
beforeAll(async () => {
  // Report mode: refused signatures are let through and listed in the state, so every part of it has content.
  emu = await startEmulator({ taskMode: 'manual', auth: 'report' });
  const res = await control(emu, 'GET', '/_emulator/openapi-control-plane.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.body as Doc;
});
afterAll(() => emu.close());

/** Checks `value` against the document's component `name` (Ajv, as a user would load it) and against the TypeBox source. */
function expectFits(name: string, schema: TSchema, value: unknown): void {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: 'https://emulator.local/control-plane.json' });
  const check = ajv.getSchema(`https://emulator.local/control-plane.json#/components/schemas/${name}`)!;
  expect(check(value) ? [] : check.errors, name).toEqual([]);
  expect([...Value.Errors(schema, value)].map((e) => `${e.path} ${e.message}`), name).toEqual([]);
}

describe('the control plane answers with its schemas', () => {
  it('/health, /state, /tasks/run, /faults, /clock/advance and /reset fit EmulatorHealth, EmulatorState, TasksRun, FaultList, ClockAdvanced, ResetResult', async () => {
    expectFits('EmulatorHealth', EmulatorHealth, (await control(emu, 'GET', '/_emulator/health')).body);

    await control(emu, 'POST', '/_emulator/faults', { action: 'DescribeTask', count: 1, effect: { type: 'latency', ms: 1 } });
    await emu.client.createMemcachedInstance({ ...docCreate, Amount: 2 });
    const forged = await emu.http().post(`/memcached?${signedQuery('MemcachedInstanceList', { secret: 'not-the-secret' })}`).send({});
    expect(forged.status).toBe(200);
    const ran = await control(emu, 'POST', '/_emulator/tasks/run', {});
    expectFits('TasksRun', TasksRun, ran.body);
    expect(ran.body.tasks).toHaveLength(2);

    const state = (await control(emu, 'GET', '/_emulator/state')).body;
    expect([state.instances.length, state.tasks.length, state.faults.length, state.authViolations.length]).toEqual([2, 2, 1, 1]);
    expectFits('EmulatorState', EmulatorState, state);
    expectFits('EmulatorState', EmulatorState, (await control(emu, 'GET', '/_emulator/state?tasks=1')).body);
    expectFits('FaultList', FaultList, (await control(emu, 'GET', '/_emulator/faults')).body);
    expectFits('ClockAdvanced', ClockAdvanced, (await control(emu, 'POST', '/_emulator/clock/advance', { minutes: 1 })).body);

    const reset = await control(emu, 'POST', '/_emulator/reset', {});
    expect(reset.body.removedInstances).toBe(2);
    expectFits('ResetResult', ResetResult, reset.body);
  });

  it('a schema does refuse an answer that drifted (so the checks above can fail)', async () => {
    const health = (await control(emu, 'GET', '/_emulator/health')).body;
    expect(Value.Check(EmulatorHealth, { ...health, status: 'fine' })).toBe(false);
    const state = (await control(emu, 'GET', '/_emulator/state')).body;
    expect(Value.Check(EmulatorState, { ...state, replay: {} })).toBe(false);
  });
});

describe('GET /_emulator/openapi-control-plane.json', () => {
  it('is a valid OpenAPI 3.1 document under a standard validator, and a broken copy is not', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(doc) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const broken = structuredClone(doc) as unknown as { paths: Record<string, unknown> };
    broken.paths['_emulator/health'] = broken.paths['/_emulator/health'];
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it('its schemas are strict JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: true });
    const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'));
    ajv.addSchema({ $id: 'https://emulator.local/defs.json', $defs: defs });
    for (const name of Object.keys(defs)) expect(() => ajv.getSchema(`https://emulator.local/defs.json#/$defs/${name}`), name).not.toThrow();
  });

  it('names only routes the emulator serves, and every method of the Admin interface', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) expect(emu.app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace('{id}', ':id') }), `${method} ${path}`).toBe(true);
    }
    const named = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op['x-admin-method'])).filter(Boolean);
    const methods = Object.getOwnPropertyNames(EmulatorAdmin.prototype).filter((m) => m !== 'constructor' && m !== 'request');
    expect(named.sort()).toEqual(methods.sort());
  });
});
