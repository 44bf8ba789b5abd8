// http/console-assets.ts — the web console's page: the files under ui/, served read-only under /_emulator/ui with a
// strict content security policy. No data here (console.ts serves that).
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Ctx } from '../context.js';
import { PROJECT_ROOT } from '../paths.js';
import { Errors } from '../errors.js';

const UI_DIR = path.join(PROJECT_ROOT, 'ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Relative path → file, listed once: only files that exist under ui/ at start-up can be served, so no path escapes it. */
function listUiFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(dir)) return files;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full).split(path.sep).join('/');
    if (Object.hasOwn(TYPES, path.extname(rel))) files.set(rel, full);
  }
  return files;
}

/** GET /ui, /ui/ and /ui/* (inside the console plugin, so under /_emulator). */
export function consoleAssets(app: FastifyInstance, ctx: Ctx): void {
  const files = listUiFiles(UI_DIR);
  if (files.size === 0) ctx.log.warn({ dir: UI_DIR }, 'console assets not found; /_emulator/ui will answer 404');

  const sendFile = async (rel: string, req: FastifyRequest, reply: FastifyReply) => {
    const full = files.get(rel);
    if (!full) throw Errors.notFound(req.url.split('?')[0]);
    const body = await fs.promises.readFile(full);
    return reply
      .header('content-type', TYPES[path.extname(rel)])
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CSP)
      .send(body);
  };
  // Marked as static assets: they hold no data, and a browser cannot send a bearer token when it navigates, so a
  // control-plane guard may let them through without the admin token (the data calls the page makes still need it).
  const asset = { config: { staticAsset: true } };
  app.get('/ui', asset, (req, reply) => sendFile('index.html', req, reply));
  app.get('/ui/', asset, (req, reply) => sendFile('index.html', req, reply));
  app.get('/ui/*', asset, (req, reply) => sendFile((req.params as { '*': string })['*'], req, reply));
}
