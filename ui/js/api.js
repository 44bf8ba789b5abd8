// ui/js/api.js — every call the page makes: same-origin control-plane fetches (JSON body, admin token when asked) and signed API calls (HMAC-SHA1 in the browser, as src/signing does).
import { hmacSha1 } from './sha1.js';

const TOKEN_KEY = 'cds-emu-admin-token';
const SECRET_KEY = 'cds-emu-secret';

/** A failed call, with the vendor envelope's Code and Message when there is one. */
export class CallError extends Error {
  constructor(status, code, message, body) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

// ?token=… in the page URL is taken once, kept for the tab, and removed from the address bar.
(() => {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
})();

let askToken = async () => null;
let askingToken;
/** The page supplies how to ask a person for the admin token (a dialog). */
export function onTokenNeeded(fn) {
  askToken = fn;
}

function headers(extra = {}) {
  const h = { Accept: 'application/json', ...extra };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

async function readBody(res) {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return { Code: `HTTP ${res.status}`, Message: text.slice(0, 200) };
  }
}

/** A control-plane call: GET, or POST/DELETE with a JSON body ({} when there is nothing to send). */
export async function control(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: headers() };
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  let res = await fetch(path, init);
  let data = await readBody(res);
  if (res.status === 401 && data.Code === 'AdminTokenRequired') {
    askingToken ??= askToken().finally(() => (askingToken = undefined));
    const token = await askingToken;
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
      init.headers = { ...init.headers, ...headers() };
      res = await fetch(path, init);
      data = await readBody(res);
    }
  }
  if (!res.ok) throw new CallError(res.status, data.Code ?? `HTTP ${res.status}`, data.Message ?? res.statusText, data);
  return data;
}

// ---- Signing: SignatureVersion 1.0, as src/signing/index.ts computes it ----

export function percentEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const utf8 = new TextEncoder();
const byteOrder = (a, b) => {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

export function canonicalQuery(pairs) {
  return [...pairs]
    .filter(([k]) => k !== 'Signature')
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');
}

export const stringToSign = (canonical) => `POST&%2F&${percentEncode(canonical)}`;

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));

export async function hmacBase64(secret, text) {
  const key = utf8.encode(secret);
  const msg = utf8.encode(text);
  // crypto.subtle exists only in secure contexts (https, localhost), and refuses an empty key; the small JS
  // fallback signs in those cases.
  if (globalThis.crypto?.subtle && key.length > 0) {
    const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
    return toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', k, msg)));
  }
  return toBase64(hmacSha1(key, msg));
}

function nonce() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

// The server's wire contract (console-config's `contract`): API version, product paths, sizes, status rules. Set once at
// boot, before any signed call; the page keeps no copy of its own.
let wire = { apiVersion: '', signatureVersion: '', products: {}, confSizes: [], taskRules: {} };
export function setContract(c) {
  wire = c;
}
export const contract = () => wire;

let credential = { accessKeyId: '', accessKeySecret: null, given: false };
let askSecret = async () => null;
/** The pair to sign with: the server's well-known one, or an AccessKeyId whose secret a person types (`ask`). */
export function setCredential(c, ask) {
  credential = { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret ?? sessionStorage.getItem(SECRET_KEY), given: !!c.accessKeySecret };
  askSecret = ask;
}

/** The product path that serves `action`, as the contract lists them. */
function pathOf(action) {
  const products = Object.values(wire.products);
  return (products.find((p) => p.actions.includes(action)) ?? products[0]).path;
}

/** One signed call, as any client makes it; resolves with the envelope, rejects with a CallError for any other Code. */
export async function signed(action, body = {}) {
  if (!credential.accessKeySecret) {
    const secret = await askSecret(credential.accessKeyId);
    if (!secret) throw new CallError(0, 'NoSecret', 'an AccessKeySecret is needed to sign the call');
    sessionStorage.setItem(SECRET_KEY, secret);
    credential.accessKeySecret = secret;
  }
  const pairs = [
    ['Action', action],
    ['AccessKeyId', credential.accessKeyId],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureNonce', nonce()],
    ['SignatureVersion', wire.signatureVersion],
    ['Timestamp', new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')],
    ['Version', wire.apiVersion],
  ];
  const signature = await hmacBase64(credential.accessKeySecret, stringToSign(canonicalQuery(pairs)));
  const query = [...pairs, ['Signature', signature]].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const res = await fetch(`${pathOf(action)}?${query}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await readBody(res);
  if (data.Code !== 'Success') {
    // A wrong typed secret should not stick for the rest of the tab.
    if (data.Code === 'SignatureDoesNotMatch' && !credential.given) {
      sessionStorage.removeItem(SECRET_KEY);
      credential.accessKeySecret = null;
    }
    throw new CallError(res.status, data.Code ?? `HTTP ${res.status}`, data.Message ?? '', data);
  }
  return data;
}
