// test/helpers/response-check.ts — every answer of the signed API a test receives is checked against its schema
// (src/actions/check-response.ts); violations are kept here and fail the test file (response-check-setup.ts).
import type { FastifyInstance } from 'fastify';
import { responseSchemaFor, responseViolations } from '../../src/actions/check-response.js';
import { firstValues, parseQuery } from '../../src/signing/index.js';

export interface ResponseViolation {
  request: string;
  status: number;
  problems: string[];
}

const KEY = Symbol.for('cds-emu.responseViolations');
const store = globalThis as unknown as { [KEY]?: ResponseViolation[] };

/** The violations recorded so far in this test file (shared through globalThis with the setup file). */
export const responseViolationLog = (): ResponseViolation[] => (store[KEY] ??= []);

/** Checks each answer outside /_emulator/ against its action's schema (200) or the error envelope (any other status). */
export function watchResponses(app: FastifyInstance): void {
  app.addHook('onSend', (req, reply, payload, done) => {
    const [path = '', query = ''] = req.url.split('?', 2);
    // The route, not the raw path: `/%5Femulator/state` is routed to the control plane too.
    const route = req.routeOptions.url ?? path;
    if (route.startsWith('/_emulator')) return done(null, payload);
    const product = path.startsWith('/ccs') ? 'ccs' : 'memcached';
    const action = firstValues(parseQuery(query))['Action'];
    const problems: string[] = [];
    let body: unknown;
    try {
      body = JSON.parse(String(payload));
    } catch {
      problems.push('the body is not JSON');
    }
    if (problems.length === 0) {
      try {
        problems.push(...responseViolations(responseSchemaFor(product, action, reply.statusCode), body));
      } catch (e) {
        problems.push((e as Error).message);
      }
      const requestId = reply.getHeader('x-request-id');
      if (reply.statusCode !== 200 && (body as { RequestId?: unknown }).RequestId !== requestId) {
        problems.push(`RequestId ${JSON.stringify((body as { RequestId?: unknown }).RequestId)} is not the X-Request-Id header ${String(requestId)}`);
      }
    }
    if (problems.length > 0) responseViolationLog().push({ request: `${req.method} ${path} Action=${action ?? ''}`, status: reply.statusCode, problems });
    done(null, payload);
  });
}
