// tasks/spec.ts — what to provision for an instance: its size, the product's connection limit, its pipe's address
// segment, and where it ran before (preferred, so its address survives a restart). Pure.
import type { Instance } from '../store/index.js';
import type { InstanceSpec } from '../backends/types.js';
import type { Fixtures } from '../fixtures.js';
import { PRODUCT, confSizeToMb } from '../domain/instance.js';

export function specOf(inst: Instance, fixtures: Fixtures): InstanceSpec {
  const pipe = fixtures.vdcs.get(inst.vdcId)?.Pipes.find((p) => p.PipeId === inst.pipeId);
  return {
    instanceId: inst.id,
    memoryMb: confSizeToMb(inst.confSize),
    maxConnections: PRODUCT.maxConnections,
    segment: pipe?.Segment ?? '10.240.0.0/16',
    preferred: inst.address ? { address: inst.address, port: inst.port } : undefined,
  };
}
