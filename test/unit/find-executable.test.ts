// test/unit/find-executable.test.ts — where the process backend looks for memcached, by each OS's rule.
import { describe, expect, it } from 'vitest';
import { executableCandidates, findExecutable } from '../../src/backends/procfs.js';

describe('the memcached program (CDS_EMU_MEMCACHED_BIN) on each OS', () => {
  it('on Windows a full path is used as given, not looked up on PATH', () => {
    expect(executableCandidates('C:\\memcached\\memcached.exe', { PATH: 'C:\\bin' }, 'win32')).toEqual(['C:\\memcached\\memcached.exe']);
    expect(executableCandidates('tools\\memcached.exe', { PATH: 'C:\\bin' }, 'win32')).toEqual(['tools\\memcached.exe']);
  });

  it('on Windows a bare name is looked up in each PATH folder with each PATHEXT ending', () => {
    const env = { PATH: 'C:\\bin;D:\\memcached', PATHEXT: '.COM;.EXE' };
    expect(executableCandidates('memcached', env, 'win32')).toEqual(['C:\\bin\\memcached.COM', 'C:\\bin\\memcached.EXE', 'D:\\memcached\\memcached.COM', 'D:\\memcached\\memcached.EXE']);
    expect(executableCandidates('memcached.exe', env, 'win32')).toEqual(['C:\\bin\\memcached.exe', 'D:\\memcached\\memcached.exe']);
  });

  it('on Linux and macOS a name with a slash is a path, a bare name is looked up on PATH as is', () => {
    expect(executableCandidates('/opt/mc/memcached', { PATH: '/usr/bin' }, 'linux')).toEqual(['/opt/mc/memcached']);
    expect(executableCandidates('memcached', { PATH: '/usr/local/bin:/usr/bin' }, 'darwin')).toEqual(['/usr/local/bin/memcached', '/usr/bin/memcached']);
  });

  it('finds an absolute path, and nothing where there is nothing', () => {
    expect(findExecutable(process.execPath)).toBe(process.execPath);
    expect(findExecutable('/nonexistent/memcached')).toBeUndefined();
  });
});
