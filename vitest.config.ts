import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'api', include: ['test/unit/**/*.test.ts', 'test/api/**/*.test.ts'] } },
      // Real memcacheds share the loopback addresses 127.0.0.2, .3, …: one file at a time, so a
      // freed address is not taken by another file's instance while a test checks that it refuses.
      { extends: true, test: { name: 'backends', include: ['test/backends/**/*.test.ts'], fileParallelism: false } },
      // The packed tarball installed into a temporary project once per run (the install compiles better-sqlite3).
      { extends: true, test: { name: 'package', include: ['test/package/**/*.test.ts'], globalSetup: ['test/package/global-setup.ts'], fileParallelism: false } },
    ],
  },
});
