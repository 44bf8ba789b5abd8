// http/openapi-text.ts — the prose of the OpenAPI document (parameter descriptions, the signing steps, what each error
// status means); no schemas and no logic, so the words can be read and edited in one place.
import { API_VERSION, SIGNATURE_VERSION, WELL_KNOWN_KEY, type CommonParam } from '../contract/index.js';

type Json = Record<string, unknown>;

export const PARAM_TEXT: Record<CommonParam, { description: string; schema: Json }> = {
  Action: { description: 'The operation to run (see the table in the operation description).', schema: { type: 'string' } },
  AccessKeyId: { description: `Your access key id; the emulator knows \`${WELL_KNOWN_KEY.accessKeyId}\` out of the box.`, schema: { type: 'string', minLength: 1 } },
  SignatureMethod: { description: '`HMAC-SHA1` (the reference) or `HmacSHA256`.', schema: { type: 'string', enum: ['HMAC-SHA1', 'HmacSHA256'] } },
  SignatureVersion: { description: `Always \`${SIGNATURE_VERSION}\`.`, schema: { type: 'string', const: SIGNATURE_VERSION } },
  SignatureNonce: {
    description: 'A string unique per call (clients send UUIDs); a nonce is accepted once per AccessKeyId within the timestamp window.',
    schema: { type: 'string', minLength: 1 },
  },
  Timestamp: {
    description: 'UTC time of the call, `YYYY-MM-DDTHH:mm:ssZ`; must lie within ±15 minutes (configurable) of the server clock.',
    schema: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$', examples: ['2024-05-01T08:00:00Z'] },
  },
  Version: { description: `API version, \`${API_VERSION}\`.`, schema: { type: 'string', examples: [API_VERSION] } },
  Signature: { description: 'Base64 HMAC of the StringToSign (see the `CdsSignature` security scheme).', schema: { type: 'string', minLength: 1 } },
};

export const SIGNING_TEXT = [
  'Every call is signed in the query string (SignatureVersion 1.0); the JSON body is never signed.',
  '1. Take every query parameter except `Signature` (business fields too, if you put any in the query); if a name appears twice, the first value counts.',
  '2. Sort them by name, byte order, case-sensitive (`AccessKeyId` before `Action`).',
  '3. Percent-encode names and values as UTF-8: `A-Z a-z 0-9 - _ . ~` stay, every other byte becomes `%XY` (uppercase hex; a space is `%20`).',
  '4. Join as `name=value` with `&`: the CanonicalQuery.',
  '5. StringToSign = `METHOD&%2F&` + percentEncode(CanonicalQuery), METHOD being the request method.',
  '6. Signature = base64(HMAC-SHA1(AccessKeySecret, StringToSign)) (HMAC-SHA256 for `HmacSHA256`), sent as the `Signature` query parameter.',
  'The key may also be `AccessKeySecret + "&"`, and spaces encoded as `+` inside the canonical string are accepted too, as some vendor clients do.',
].join('\n');

export const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request: a business field, a common parameter, the JSON body or the Action.',
  401: 'Authentication failed.',
  404: 'No such instance or task (or, for other paths, no such path; in replay mode, no recording matches).',
  409: 'The instance is busy or in a status that forbids the call.',
  405: 'A method HTTP cannot route (CONNECT).',
  408: 'The request did not arrive in time.',
  413: 'The body is too large.',
  414: 'The request line is too long.',
  431: 'The request headers are too large.',
  500: 'Unexpected server error (no internals are shown).',
  502: 'Proxy mode (--upstream): the upstream could not be reached.',
  504: 'Proxy mode (--upstream): the upstream did not answer in time.',
  503: 'The state file cannot be written now (full disk, I/O error, read-only file), or the emulator is shutting down: the call was not carried out; read-only calls still answer while the disk is full.',
};
