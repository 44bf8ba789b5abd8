// backends/none.ts — bookkeeping only: a made-up address inside the pipe's segment; nothing listens, nothing to connect to.
import { createHash } from 'node:crypto';
import type { InstanceSpec, KnownInstance, MemcachedBackend, ReconcileResult } from './types.js';

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}
function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function createNoneBackend(): MemcachedBackend {
  const taken = new Set<string>();
  const pick = (spec: InstanceSpec): string => {
    const [base, bitsText] = spec.segment.split('/');
    const bits = Math.min(30, Math.max(8, Number(bitsText)));
    const size = 2 ** (32 - bits);
    const network = ipToInt(base) - (ipToInt(base) % size);
    // Start from a stable spot derived from the id, then walk: same id, same address, no clashes.
    const start = createHash('sha1').update(spec.instanceId).digest().readUInt32BE(0) % (size - 2);
    for (let i = 0; i < size - 2; i++) {
      const ip = intToIp(network + 1 + ((start + i) % (size - 2)));
      if (!taken.has(ip)) return ip;
    }
    throw new Error(`no free address left in ${spec.segment}`);
  };
  return {
    kind: 'none',
    async provision(spec) {
      const address = pick(spec);
      taken.add(address);
      return { address, port: 11211 };
    },
    async resize() {},
    async flush() {},
    async destroy(_id, ep) {
      if (ep) taken.delete(ep.address);
    },
    async isUp() {
      return true;
    },
    async reconcile(known: KnownInstance[]): Promise<ReconcileResult> {
      const adopted: ReconcileResult['adopted'] = [];
      for (const k of known) {
        if (!k.endpoint) continue;
        taken.add(k.endpoint.address);
        adopted.push({ instanceId: k.instanceId, endpoint: k.endpoint });
      }
      return { adopted, missing: [], strays: 0 };
    },
    async shutdown() {
      taken.clear();
    },
  } satisfies MemcachedBackend;
}
