// backends/docker-network.ts — how the docker backend makes a container's memcached reachable (host networking or a
// port the engine publishes), decided from --docker-network and what the engine says it is; pure: no engine calls, no sockets.
import { MEMCACHED_PORT, parsePortRange } from './blocks.js';

export type DockerNetworkChoice = 'host' | 'publish' | 'auto';

/** What `docker info` tells that matters here: both put the engine's host network out of this machine's reach. */
export interface EngineFacts {
  rootless?: boolean;
  desktop?: boolean;
}

export interface NetworkPlan {
  mode: 'host' | 'publish';
  /** Why this mode: goes into the backend's reason. */
  why: string;
  /** publish: where this machine reaches a published port: its own loopback, or a remote engine's host. */
  reach: string;
  /** publish: the engine binds the published port on '127.0.0.1' (loopback only) or '' (every interface). */
  hostIp: string;
  /** publish: what the engine may pick the host port from: '' = any free port, or --instance-ports as FROM-TO. */
  hostPorts: string;
}

export interface NetworkWhere {
  dockerHost?: string;
  advertiseHost?: string;
  instancePorts?: string;
  platform?: NodeJS.Platform;
}

export const PORT_KEY = `${MEMCACHED_PORT}/tcp`;
const isLoopback = (host: string): boolean => /^(127\.\d+\.\d+\.\d+|::1)$/.test(host);

/** The host of a tcp/http(s) DOCKER_HOST, or undefined for a socket or pipe on this machine. */
export function remoteHost(dockerHost: string | undefined): string | undefined {
  if (!dockerHost || !/^(tcp|https?):\/\//.test(dockerHost)) return undefined;
  return new URL(dockerHost).hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Why host networking would put memcached out of this machine's reach, or undefined when it would not. */
function hostNetworkOutOfReach(where: NetworkWhere, facts: EngineFacts): string | undefined {
  const remote = remoteHost(where.dockerHost);
  if (remote) return `the engine at ${where.dockerHost} runs on another machine`;
  const platform = where.platform ?? process.platform;
  if (platform !== 'linux') return `on ${platform} the engine runs in a VM`;
  if (where.dockerHost && !where.dockerHost.startsWith('unix://')) return `the engine at ${where.dockerHost} is not a local socket`;
  if (facts.desktop) return 'Docker Desktop runs the engine in a VM';
  if (facts.rootless) return 'the engine is rootless: its host network is a namespace of its own';
  return undefined;
}

/** Throws (with the fix) when `host` is asked for where it cannot work. */
export function networkPlan(choice: DockerNetworkChoice, where: NetworkWhere, facts: EngineFacts = {}): NetworkPlan {
  const outOfReach = hostNetworkOutOfReach(where, facts);
  if (choice === 'host' && outOfReach) {
    throw new Error(`--docker-network host: ${outOfReach}, so a memcached on its host network is out of this machine's reach; fix: use --docker-network publish (or auto)`);
  }
  // `localhost` may resolve to ::1 first while the engine binds 127.0.0.1: name the address itself.
  const remote = remoteHost(where.dockerHost);
  const reach = !remote || remote.toLowerCase() === 'localhost' ? '127.0.0.1' : remote;
  const plan = { reach, hostIp: where.advertiseHost || !isLoopback(reach) ? '' : reach, hostPorts: '' };
  if (where.advertiseHost) {
    const { from, to } = parsePortRange(where.instancePorts ?? '');
    plan.hostPorts = `${from}-${to}`;
  }
  if (choice === 'host') return { mode: 'host', why: 'requested', ...plan };
  if (choice === 'publish') return { mode: 'publish', why: 'requested', ...plan };
  return outOfReach ? { mode: 'publish', why: `auto: ${outOfReach}`, ...plan } : { mode: 'host', why: 'auto: a local engine on this Linux machine', ...plan };
}

/** HostConfig.PortBindings of a published memcached; `port` asks for that host port again (an instance keeps its address). */
export function portBindings(plan: NetworkPlan, port?: number): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  return { [PORT_KEY]: [{ HostIp: plan.hostIp, HostPort: port ? String(port) : plan.hostPorts }] };
}

/** The host port the engine published 11211/tcp on, from `inspect` (NetworkSettings.Ports). */
export function publishedPort(ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | undefined): number | undefined {
  const port = Number(ports?.[PORT_KEY]?.find((b) => Number(b.HostPort) > 0)?.HostPort);
  return port > 0 ? port : undefined;
}

/** The same from a container list entry (its Ports array). */
export function listedPort(ports: Array<{ PrivatePort: number; PublicPort?: number; Type: string }>): number | undefined {
  return ports.find((p) => p.PrivatePort === MEMCACHED_PORT && p.Type === 'tcp' && p.PublicPort)?.PublicPort;
}

/** The port an instance had, if asking for it again makes sense here: same reported host, and inside the allowed ports. */
export function keptPort(plan: NetworkPlan, reported: string, preferred: { address: string; port: number } | undefined): number | undefined {
  if (!preferred || preferred.address !== reported) return undefined;
  const range = /^(\d+)-(\d+)$/.exec(plan.hostPorts);
  if (range && (preferred.port < Number(range[1]) || preferred.port > Number(range[2]))) return undefined;
  return preferred.port;
}
