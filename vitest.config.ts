import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every answer of the signed API a test receives is checked against its schema (test/helpers/response-check.ts).
    setupFiles: ['test/helpers/response-check-setup.ts'],
    projects: [
      { extends: true, test: { name: 'api', include: ['test/unit/**/*.test.ts', 'test/api/**/*.test.ts'] } },
      // Real memcacheds share the loopback addresses 127.0.0.2, .3, …: one file at a time, so a
      // freed address is not taken by another file's instance while a test checks that it refuses.
      { extends: true, test: { name: 'backends', include: ['test/backends/**/*.test.ts'], fileParallelism: false } },
      // A real browser against real memcacheds (loopback addresses, as the backends project).
      { extends: true, test: { name: 'ui', include: ['test/ui/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
