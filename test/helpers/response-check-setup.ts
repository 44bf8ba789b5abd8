// test/helpers/response-check-setup.ts — vitest setup file: a test file fails if any answer it received broke its schema.
import { afterAll } from 'vitest';
import { responseViolationLog } from './response-check.js';

afterAll(() => {
  const log = responseViolationLog();
  if (log.length === 0) return;
  const shown = log.slice(0, 10).map((v) => `  ${v.request} → ${v.status}: ${v.problems.join('; ')}`);
  log.length = 0;
  throw new Error(`answers that do not match their schema (src/actions/responses.ts):\n${shown.join('\n')}`);
});
