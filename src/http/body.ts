// http/body.ts — the body is JSON whatever the Content-Type says; empty is {}; anything else is a ParamParseError.
import type { FastifyInstance } from 'fastify';
import { Errors } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw Errors.paramParse((e as Error).message);
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
