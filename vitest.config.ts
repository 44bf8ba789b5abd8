import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // expect.poll's 1 s default is too short for a page or a fleet on a loaded 2-core machine.
    expect: { poll: { timeout: 10_000 } },
    // Every answer of the signed API a test receives is checked against its schema (test/helpers/response-check.ts).
    setupFiles: ['test/helpers/response-check-setup.ts'],
    projects: [
      { extends: true, test: { name: 'api', include: ['test/unit/**/*.test.ts', 'test/api/**/*.test.ts'] } },
      // Real memcacheds, many at a time (a 200-instance fleet among them): one file at a time.
      { extends: true, test: { name: 'backends', include: ['test/backends/**/*.test.ts'], fileParallelism: false } },
      // A real browser against real memcacheds (loopback addresses, as the backends project).
      { extends: true, test: { name: 'ui', include: ['test/ui/**/*.test.ts'], fileParallelism: false } },
      // The packed tarball installed into a temporary project once per run (the install compiles better-sqlite3).
      { extends: true, test: { name: 'package', include: ['test/package/**/*.test.ts'], globalSetup: ['test/package/global-setup.ts'], fileParallelism: false } },
    ],
  },
});
