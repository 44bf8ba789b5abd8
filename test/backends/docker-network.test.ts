// test/backends/docker-network.test.ts — how --docker-network turns into host networking or a published port, without an engine or any traffic.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { keptPort, listedPort, networkPlan, portBindings, publishedPort } from '../../src/backends/docker-network.js';

const config = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = loadConfig(argv, env);
  if (parsed.kind !== 'run') throw new Error('expected a run');
  return parsed.config;
};

describe('--docker-network', () => {
  it('issue 14 item 3: is chosen by flag or CDS_EMU_DOCKER_NETWORK (default auto), and anything else is refused naming the option', () => {
    expect(config([]).dockerNetwork).toBe('auto');
    expect(config([], { CDS_EMU_DOCKER_NETWORK: 'publish' }).dockerNetwork).toBe('publish');
    expect(config(['--docker-network', 'host'], { CDS_EMU_DOCKER_NETWORK: 'publish' }).dockerNetwork).toBe('host');
    expect(() => config(['--docker-network', 'bridge'])).toThrow(ConfigError);
    expect(() => config(['--docker-network', 'bridge'])).toThrow('--docker-network must be one of host, publish, auto, got "bridge"');
  });

  it('issue 14 item 3: auto keeps host networking for a local Linux engine, and publishes for a remote, rootless or Docker Desktop one', () => {
    const linux = { platform: 'linux' as const };
    expect(networkPlan('auto', linux)).toMatchObject({ mode: 'host', why: 'auto: a local engine on this Linux machine' });
    expect(networkPlan('auto', { ...linux, dockerHost: 'unix:///run/docker.sock' }).mode).toBe('host');
    expect(networkPlan('auto', { ...linux, dockerHost: 'tcp://build-host:2375' })).toMatchObject({ mode: 'publish', why: 'auto: the engine at tcp://build-host:2375 runs on another machine' });
    expect(networkPlan('auto', linux, { rootless: true })).toMatchObject({ mode: 'publish', why: 'auto: the engine is rootless: its host network is a namespace of its own' });
    expect(networkPlan('auto', linux, { desktop: true })).toMatchObject({ mode: 'publish', why: 'auto: Docker Desktop runs the engine in a VM' });
    expect(networkPlan('auto', { platform: 'darwin' })).toMatchObject({ mode: 'publish', why: 'auto: on darwin the engine runs in a VM' });
  });

  it('issue 14 item 3: publish asks the engine for a port of its choice, bound to loopback only, and reaches it on 127.0.0.1', () => {
    const plan = networkPlan('publish', { platform: 'linux' });
    expect(plan).toMatchObject({ mode: 'publish', reach: '127.0.0.1' });
    expect(portBindings(plan)).toEqual({ '11211/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    // What the engine answers, in its two shapes: the port reported is the one published.
    expect(publishedPort({ '11211/tcp': [{ HostIp: '127.0.0.1', HostPort: '32771' }] })).toBe(32771);
    expect(publishedPort({ '11211/tcp': null })).toBeUndefined();
    expect(listedPort([{ PrivatePort: 11211, PublicPort: 32771, Type: 'tcp' }])).toBe(32771);
    expect(listedPort([{ PrivatePort: 11211, Type: 'tcp' }])).toBeUndefined();
  });

  it('issue 14 item 3: an instance that had a published port asks for that port again, so its address survives a restart', () => {
    const plan = networkPlan('publish', { platform: 'linux' });
    expect(keptPort(plan, '127.0.0.1', { address: '127.0.0.1', port: 32771 })).toBe(32771);
    expect(portBindings(plan, 32771)).toEqual({ '11211/tcp': [{ HostIp: '127.0.0.1', HostPort: '32771' }] });
    // An address from host networking (another mode before) is not this mode's to ask for.
    expect(keptPort(plan, '127.0.0.1', { address: '127.16.0.1', port: 11211 })).toBeUndefined();
    expect(keptPort(plan, '127.0.0.1', undefined)).toBeUndefined();
  });

  it('issue 14 item 3: in service-container mode the port is published on every interface, from --instance-ports', () => {
    const plan = networkPlan('publish', { platform: 'linux', advertiseHost: 'emulator', instancePorts: '20000-20009' });
    expect(portBindings(plan)).toEqual({ '11211/tcp': [{ HostIp: '', HostPort: '20000-20009' }] });
    expect(keptPort(plan, 'emulator', { address: 'emulator', port: 20003 })).toBe(20003);
    expect(keptPort(plan, 'emulator', { address: 'emulator', port: 11211 })).toBeUndefined(); // outside the range now
    expect(portBindings(networkPlan('publish', { platform: 'linux', advertiseHost: 'emulator' }))).toEqual({ '11211/tcp': [{ HostIp: '', HostPort: '11211-11410' }] });
    expect(() => networkPlan('publish', { platform: 'linux', advertiseHost: 'emulator', instancePorts: '9-1' })).toThrow('--instance-ports must be FROM-TO');
  });

  it('issue 14 item 3: a remote engine publishes on its own host and is reached there; a tunnel on loopback stays on loopback', () => {
    expect(networkPlan('publish', { dockerHost: 'tcp://build-host:2375' })).toMatchObject({ reach: 'build-host', hostIp: '' });
    expect(networkPlan('publish', { dockerHost: 'tcp://127.0.0.1:2375' })).toMatchObject({ reach: '127.0.0.1', hostIp: '127.0.0.1' });
    expect(networkPlan('publish', { dockerHost: 'https://[::1]:2376' })).toMatchObject({ reach: '::1', hostIp: '::1' });
    expect(networkPlan('publish', { dockerHost: 'tcp://localhost:2375' })).toMatchObject({ reach: '127.0.0.1', hostIp: '127.0.0.1' });
  });

  it('issue 14 item 3: host networking asked for where it cannot reach this machine stops start-up with the fix', () => {
    const fix = "so a memcached on its host network is out of this machine's reach; fix: use --docker-network publish (or auto)";
    expect(() => networkPlan('host', { dockerHost: 'tcp://build-host:2375' })).toThrow(`--docker-network host: the engine at tcp://build-host:2375 runs on another machine, ${fix}`);
    expect(() => networkPlan('host', { platform: 'linux' }, { rootless: true })).toThrow(`--docker-network host: the engine is rootless: its host network is a namespace of its own, ${fix}`);
    expect(networkPlan('host', { platform: 'linux' })).toMatchObject({ mode: 'host', why: 'requested' });
  });
});
