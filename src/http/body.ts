// http/body.ts — the body is JSON whatever the Content-Type says; empty is {}; anything else (or nested past
// MAX_JSON_DEPTH) is a ParamParseError.
import type { FastifyInstance } from 'fastify';
import { Errors } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** No real request nests this deep; refusing earlier keeps parsing, validation and error messages off deep recursion. */
export const MAX_JSON_DEPTH = 32;

/** One pass over the text, strings skipped: true as soon as the brackets open past `max`. */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** name=value pairs joined by & (what a form post, or requests' `data=`, sends): the API reads a JSON object. */
const FORM = /^[A-Za-z_][\w.-]*=[^&]*(?:&[A-Za-z_][\w.-]*=[^&]*)*$/;
const FORM_HINT = '; it looks form-encoded (name=value&…): send the fields as a JSON object, e.g. {"InstanceId":"…"}';

export function parseJsonBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw Errors.paramParse('the body is not UTF-8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return {};
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) throw Errors.paramParse(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw Errors.paramParse(`${(e as Error).message}${FORM.test(text) ? FORM_HINT : ''}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw Errors.paramParse(`expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

export function registerBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
