// contract/credentials.ts — the published development key pair; the one place that spells it. No I/O.

/**
 * The pair every emulator accepts out of the box, and what a client signs with when given no key: a fixtures folder's
 * credentials.json, or CDS_EMU_ACCESS_KEY_ID / CDS_EMU_ACCESS_KEY_SECRET, replace it.
 */
export const WELL_KNOWN_KEY = Object.freeze({
  accessKeyId: 'emulator-access-key-id',
  accessKeySecret: 'emulator-access-key-secret',
});
