// http/request-ids.ts — request ids: random UUIDs (v4, lowercase, as crypto.randomUUID() writes them), made in batches;
// pure apart from the random bytes, no Fastify.
import { randomFillSync } from 'node:crypto';

const BATCH = 128;
const HEX = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX[i] = '0123456789abcdef'.charCodeAt(i);
const DASH = 45;

const random = Buffer.alloc(16 * BATCH);
const text = Buffer.alloc(36 * BATCH);
let next = BATCH;

function refill(): void {
  randomFillSync(random);
  for (let n = 0; n < BATCH; n++) {
    random[n * 16 + 6] = (random[n * 16 + 6] & 0x0f) | 0x40; // version 4
    random[n * 16 + 8] = (random[n * 16 + 8] & 0x3f) | 0x80; // variant 10xx
    let o = n * 36;
    for (let b = 0; b < 16; b++) {
      if (b === 4 || b === 6 || b === 8 || b === 10) text[o++] = DASH;
      const v = random[n * 16 + b];
      text[o++] = HEX[v >> 4];
      text[o++] = HEX[v & 15];
    }
  }
  next = 0;
}

/**
 * A fresh random UUID. crypto.randomUUID() builds each one of ~20 joined pieces (about 590 bytes of garbage a call);
 * this writes a batch's text at once and cuts one flat 36-character string from it (a request id is made every call).
 */
export function requestId(): string {
  if (next === BATCH) refill();
  const at = next++ * 36;
  return text.toString('latin1', at, at + 36);
}
