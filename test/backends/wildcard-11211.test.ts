// Port 11211 held on every address (a memcached service listening on 0.0.0.0, common on a developer's machine): the
// process backend's instances bind 127.x.y.z:11211, which that makes impossible. Run in a network namespace of its own
// (unshare --net, root only: the port would otherwise be taken from every other test), so nothing else sees it.
import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { hasMemcached } from '../helpers/backend-env.js';
import { ROOT } from '../helpers/spawn.js';

function canUnshareNet(): boolean {
  try {
    execFileSync('unshare', ['--net', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HELD = 'something listens on port 11211 of every address (0.0.0.0:11211 or [::]:11211; often a memcached started as a system service), so no loopback address can have it';

describe.runIf(hasMemcached && canUnshareNet())('port 11211 held on every address', () => {
  it('held before the start: a warning naming it, and instances on 127.0.0.1 with ports of their own that work; held after: the create fails at once saying why, and works again once it is gone', async () => {
    const r = spawnSync('unshare', ['--net', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" --import tsx test/backends/wildcard-11211.child.ts`], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const { before, after } = JSON.parse(r.stdout.trim().split('\n').pop()!);

    expect(before.status).toBe('running');
    expect(before.address).toBe('127.0.0.1');
    expect(Number(before.port)).toBeGreaterThanOrEqual(20000);
    expect(Number(before.port)).toBeLessThanOrEqual(59999);
    expect(before.stored).toBe('held-before');
    expect(before.warnings.map((w: { msg: string }) => w.msg)).toEqual([
      `${HELD}: instances get 127.0.0.1 with ports of their own (20000-59999) instead; for 127.x.y.z:11211, stop it or have it listen on 127.0.0.1 only, then restart the emulator`,
    ]);

    expect(after.status).toBe('error');
    const failed = after.warnings.find((w: { msg: string }) => w.msg === 'task failed');
    expect(failed.reason).toMatch(new RegExp(`^create failed: cannot listen on 127\\.\\d+\\.\\d+\\.\\d+:11211: ${HELD.replace(/[()[\].:;]/g, '\\$&')}; fix: stop it`));
    // One block, not the sixteen it used to claim probing address after address.
    expect(after.blocksClaimed).toBe(1);
    expect(after.then.status).toBe('running');
    expect(after.then.address).toMatch(/^127\.(1[6-9]|[2-9]\d|1\d\d|2[0-5]\d)\.\d+\.\d+$/);
    expect(after.then.port).toBe('11211');
    expect(after.then.stored).toBe('gone-again');
  }, 150_000);
});
