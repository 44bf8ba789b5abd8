// actions/create-memcached-instance.ts — CreateMemcachedInstance: checks the VDC, pipe and region, then enqueues one create task per instance.
import { defineAction } from './types.js';
import { CreateResponse } from './responses.js';
import { CreateRequest } from './create-request.js';
import { Errors } from '../errors.js';

const REQUIRED = ['ConfSize', 'VdcId', 'PipeId', 'RegionId'] as const;
/** Ids copied from the cloud are not in the emulator's fixtures: say where its own are, and where to add yours. */
const FIXTURES_HINT = 'GET /_emulator/fixtures lists the regions and VDCs this emulator knows; add yours in a --fixtures folder';

export const createMemcachedInstance = defineAction({
  name: 'CreateMemcachedInstance',
  summary: 'Create 1–10 instances (each starts creating, with one create task).',
  schema: CreateRequest,
  response: CreateResponse,
  precheck(input) {
    const missing = REQUIRED.filter((f) => input[f] === undefined || input[f] === '');
    if (missing.length > 0) throw Errors.createMissing(missing);
  },
  handle(ctx, input) {
    const fx = ctx.fixtures.current;
    if (!fx.regions.has(input.RegionId)) throw Errors.invalidParameter('RegionId', `is not a known region: "${input.RegionId}" (${FIXTURES_HINT})`);
    const vdc = fx.vdcs.get(input.VdcId);
    if (!vdc) throw Errors.vdcMismatch(`VdcId ${input.VdcId} does not exist (${FIXTURES_HINT})`);
    if (vdc.RegionId !== input.RegionId) throw Errors.vdcMismatch(`VDC ${vdc.VdcId} is in ${vdc.RegionId}, not ${input.RegionId}`);
    if (!vdc.Pipes.some((p) => p.PipeId === input.PipeId)) throw Errors.vdcMismatch(`PipeId ${input.PipeId} is not a network of VDC ${vdc.VdcId}`);

    const amount = input.Amount === undefined ? 1 : Number(input.Amount);
    const name = input.InstanceName?.trim() || ctx.ids.defaultName();
    const { store, clock } = ctx;
    const out = store.tx(() => {
      const now = clock.now();
      const InstanceIds: string[] = [];
      const TaskIds: number[] = [];
      for (let i = 0; i < amount; i++) {
        const id = ctx.ids.instance();
        store.instances.insert({ id, name, confSize: input.ConfSize, vdcId: vdc.VdcId, pipeId: input.PipeId, regionId: input.RegionId, now });
        InstanceIds.push(id);
        TaskIds.push(store.tasks.insert(id, 'create', {}, now));
      }
      return { InstanceIds, TaskIds };
    });
    ctx.wakeup.ring();
    return { data: out };
  },
});
