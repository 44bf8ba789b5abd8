// contract/common-params.ts — the common parameters every signed call carries, in the order clients send them, and the
// API version; how they are signed is signing/'s. No I/O beyond a random nonce.
import { randomUUID } from 'node:crypto';
import { timestampNow, type QueryPairs, type SignatureMethod } from '../signing/index.js';

/** The `Version` every call sends. */
export const API_VERSION = '2019-08-08';
/** The only `SignatureVersion` there is. */
export const SIGNATURE_VERSION = '1.0';

/** Every common parameter, in the order the server checks them (and reports the first missing one). */
export const COMMON_PARAMS = [
  'Action',
  'AccessKeyId',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
  'Version',
  'Signature',
] as const;
export type CommonParam = (typeof COMMON_PARAMS)[number];

export interface CommonValues {
  action: string;
  accessKeyId: string;
  signatureMethod?: SignatureMethod;
  /** A fresh UUID unless given. */
  nonce?: string;
  /** Now unless given, as `YYYY-MM-DDTHH:mm:ssZ`. */
  timestamp?: string;
}

/** The seven common parameters a call signs (all but Signature itself), in the order the vendor's clients send them. */
export function commonParams(v: CommonValues): QueryPairs {
  return [
    ['Action', v.action],
    ['AccessKeyId', v.accessKeyId],
    ['SignatureMethod', v.signatureMethod ?? 'HMAC-SHA1'],
    ['SignatureNonce', v.nonce ?? randomUUID()],
    ['SignatureVersion', SIGNATURE_VERSION],
    ['Timestamp', v.timestamp ?? timestampNow()],
    ['Version', API_VERSION],
  ];
}
