// signing/hmac.ts — HMAC-SHA1/SHA256 of a string, as cheaply as this Node allows (every signed call pays one or two);
// pure, no I/O. Keys are cached by secret, at most 64.
import * as crypto from 'node:crypto';
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export type HmacAlgo = 'sha1' | 'sha256';

/** crypto.hash, one-shot: Node 20.12+ and 21.7+ (so every Node 22 and 24); absent before. */
const hashOnce = (crypto as { hash?: (algo: string, data: string | ArrayBufferView, encoding: 'buffer' | 'base64') => Buffer | string }).hash;

const BLOCK = 64; // SHA-1's and SHA-256's block, in bytes
export const DIGEST_BYTES = { sha1: 20, sha256: 32 } as const;
const ASCII = /^[\x00-\x7f]*$/;

interface Key {
  /** A KeyObject made once costs about a third less per HMAC than a string key. */
  object: KeyObject;
  /** The inner pad (key ^ 0x36) as text, when every byte of it is ASCII (an ASCII secret of at most a block). */
  innerPad?: string;
  /** The same as bytes. */
  innerPadBytes?: Buffer;
  /** The outer pad (key ^ 0x5c) with room for the inner digest after it, by algorithm, made on first use. */
  outer?: Partial<Record<HmacAlgo, Buffer>>;
}

const keys = new Map<string, Key>();
function keyOf(secret: string): Key {
  let k = keys.get(secret);
  if (k === undefined) {
    if (keys.size >= 64) keys.clear();
    const bytes = Buffer.from(secret, 'utf8');
    k = { object: createSecretKey(bytes) };
    if (hashOnce && ASCII.test(secret) && bytes.length <= BLOCK) {
      const pad = Buffer.alloc(BLOCK, 0x36);
      for (let i = 0; i < bytes.length; i++) pad[i] ^= bytes[i];
      k.innerPad = pad.toString('latin1');
      k.innerPadBytes = pad;
      k.outer = {};
    }
    keys.set(secret, k);
  }
  return k;
}

function outerPad(k: Key, algo: HmacAlgo, secret: string): Buffer {
  let buf = k.outer![algo];
  if (buf === undefined) {
    buf = Buffer.alloc(BLOCK + DIGEST_BYTES[algo], 0x5c);
    const bytes = Buffer.from(secret, 'utf8');
    for (let i = 0; i < bytes.length; i++) buf[i] ^= bytes[i];
    k.outer![algo] = buf;
  }
  return buf;
}

/**
 * HMAC(secret, text) in base64 (text as UTF-8). Where crypto.hash exists and the secret allows, RFC 2104 spelled out in
 * two one-shot hashes, H(outer pad ‖ H(inner pad ‖ text)): about a tenth cheaper than an Hmac object, whose set-up
 * is most of the cost for texts this short. Otherwise createHmac with the cached KeyObject.
 */
export function hmacBase64(algo: HmacAlgo, secret: string, text: string): string {
  const k = keyOf(secret);
  if (k.innerPad === undefined) return createHmac(algo, k.object).update(text).digest('base64');
  const outer = outerPad(k, algo, secret);
  // The pad is ASCII, so as UTF-8 it is its own bytes, and the text's bytes follow unchanged.
  (hashOnce!(algo, k.innerPad + text, 'buffer') as Buffer).copy(outer, BLOCK);
  return hashOnce!(algo, outer, 'base64') as string;
}

/** HMAC(key, text) as bytes, for comparing with a decoded Signature (diagnosis, off the hot path). */
export function hmacDigest(algo: HmacAlgo, key: string, text: string): Buffer {
  return createHmac(algo, keyOf(key).object).update(text).digest();
}

/** Where a text starts in a buffer given to hmacEqualsAt: a block's room before it for the inner pad. */
export const TEXT_AT = BLOCK;

/**
 * True if HMAC(secret, buf[TEXT_AT, end)) is `digest` (constant-time), written over buf[0, TEXT_AT) with the inner pad
 * so the hash reads the text where it lies: no string, no copy of it (every signed call). Undefined where the two-hash
 * form does not apply (see hmacBase64); the caller then uses hmacBase64.
 */
export function hmacEqualsAt(algo: HmacAlgo, secret: string, buf: Buffer, end: number, digest: Buffer): boolean | undefined {
  const k = keyOf(secret);
  if (k.innerPadBytes === undefined) return undefined;
  k.innerPadBytes.copy(buf, 0);
  const outer = outerPad(k, algo, secret);
  (hashOnce!(algo, new Uint8Array(buf.buffer, buf.byteOffset, end), 'buffer') as Buffer).copy(outer, BLOCK);
  return timingSafeEqual(hashOnce!(algo, outer, 'buffer') as Buffer, digest);
}
