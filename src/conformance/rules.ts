// conformance/rules.ts — the deviation codes the conformance report counts, each with the one-sentence rule of the
// vendor's contract it rests on (docs/conformance.md explains each). Data only: no checks here.
import { API_VERSION, SIGNATURE_VERSION } from '../contract/index.js';

export const RULES = {
  SpaceSignedAsPlus: 'A space in a signed name or value is percent-encoded as %20 in the canonical query, never as +.',
  KeyWithAmpersand: 'The HMAC key is the AccessKeySecret itself, not the secret followed by "&".',
  LowercasePercentEncoding: 'Percent-encoding uses uppercase hex digits (%3A, not %3a), in the canonical query, the StringToSign and the URL.',
  UnsortedCanonicalQuery: 'The canonical query lists the parameters sorted by name in byte order, not in the order they were sent.',
  SignedWithOtherMethod: "The StringToSign starts with the request's own HTTP method.",
  StringToSignForm: 'The StringToSign is METHOD&%2F& followed by the canonical query percent-encoded once more; %2F whatever the path.',
  UnsignedParameter: 'Every query parameter except Signature is signed, including ones the client adds beyond the common parameters.',
  SignatureMismatch: 'The Signature is the base64 HMAC of the StringToSign; this one matches no variant the emulator knows.',
  SignatureNotEncoded: 'Every query value is percent-encoded for the URL: a + in the Signature travels as %2B.',
  NonceReused: 'Each request carries a SignatureNonce of its own, a retry included: a nonce is used once.',
  TimestampFormat: 'Timestamp is UTC in the form YYYY-MM-DDThh:mm:ssZ: no fraction of a second, no offset.',
  TimestampSkew: "Timestamp is the client's current UTC time (the emulator warns past 60 s of difference).",
  SignatureMethodSpelling: 'SignatureMethod is HMAC-SHA1, spelled exactly so.',
  CommonParameterValue: `SignatureVersion is ${SIGNATURE_VERSION} and Version is ${API_VERSION}.`,
  MissingCommonParameter: 'Every call carries all the common parameters, none empty.',
  DuplicateParameter: 'Each query parameter is sent once.',
  BusinessFieldInQuery: 'Business fields travel in the JSON body and common parameters in the query, never the other way round.',
  UnknownParameter: "A call sends only the common parameters and its action's documented fields.",
  MissingContentType: 'A request with a JSON body says so: Content-Type: application/json.',
  ContentTypeNotJson: 'The body is JSON and its Content-Type says application/json.',
  WrongPath: 'The Memcached actions are called at /memcached (DescribeTask at /ccs).',
  MethodNotPost: 'Every action is called with POST.',
} as const;

export type DeviationCode = keyof typeof RULES;

/** One deviation of one call, as the journal entry keeps it. */
export interface Deviation {
  code: DeviationCode;
  detail: string;
  /** NonceReused only, when true: the nonce was first used by a call answered with an error (a retry). */
  afterError?: boolean;
}

/** The codes whose example carries the server's canonical query and StringToSign (to diff with the client's). */
export const SIGNATURE_CODES: ReadonlySet<DeviationCode> = new Set<DeviationCode>([
  'SpaceSignedAsPlus',
  'KeyWithAmpersand',
  'LowercasePercentEncoding',
  'UnsortedCanonicalQuery',
  'SignedWithOtherMethod',
  'StringToSignForm',
  'UnsignedParameter',
  'SignatureMismatch',
]);

/** A warning past this much difference between a call's Timestamp and the emulator's wall clock. */
export const SKEW_WARN_MS = 60_000;
