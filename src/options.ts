// options.ts — every option of the emulator as data: its flag, variable, default, parser and help line, the Config it
// produces, and the --help text. Reads no environment (config.ts does).
import { ConfigError } from './errors.js';

export type BackendChoice = 'none' | 'process' | 'docker' | 'auto';
export type DockerNetwork = 'host' | 'publish' | 'auto';
export type AuthMode = 'enforce' | 'report' | 'off';
export type TaskMode = 'timed' | 'manual';

export interface Config {
  host: string;
  port: number;
  data: string;
  backend: BackendChoice;
  taskDelayMs: number;
  auth: AuthMode;
  fixturesDir: string;
  logLevel: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  memcachedBin: string;
  memcachedImage: string;
  dockerHost?: string;
  dockerNetwork: DockerNetwork;
  watchdogMs: number;
  timestampWindowSec: number;
  nonceCheck: boolean;
  bodyLimitBytes: number;
  // Harness (faults, journal, time control, seeded state).
  taskMode: TaskMode;
  createDelayMs?: number;
  updateDelayMs?: number;
  clearDelayMs?: number;
  deleteDelayMs?: number;
  journalSize: number;
  journalMaxBytes: number;
  faultsFile: string;
  // Hardening.
  nonceCapacity: number;
  adminToken: string;
  // Service-container mode.
  advertiseHost: string;
  instancePorts: string;
  // Record / replay (docs/recording.md).
  upstream: string;
  record: string;
  replay: string;
  upstreamTimeoutMs: number;
}

interface Option {
  flag: string;
  env: string;
  def: string;
  help: string;
  parse: (v: string) => unknown;
  key: keyof Config;
  /** What --help shows as the default when `def` is empty. */
  shown?: string;
}

const oneOf = (name: string, allowed: string[]) => (v: string) => {
  if (!allowed.includes(v)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v;
};
export const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new ConfigError(`${name} must be an integer ${min}..${max}, got "${v}"`);
  return n;
};
const onOff = (name: string) => (v: string) => oneOf(name, ['on', 'off'])(v) === 'on';
const str = (v: string) => v;
const httpUrl = (name: string) => (v: string) => {
  if (v !== '' && !/^https?:\/\/[^/?#]+/.test(v)) throw new ConfigError(`${name} must be an http(s) URL, got "${v}"`);
  return v.replace(/\/+$/, '');
};
/** Empty means "not set" (an optional number that falls back to another setting). */
const optInt = (name: string, min: number, max: number) => (v: string) => (v.trim() === '' ? undefined : int(name, min, max)(v));

export const OPTIONS: Option[] = [
  { flag: 'host', env: 'CDS_EMU_HOST', def: '127.0.0.1', help: 'address the API listens on (loopback unless asked)', parse: str, key: 'host' },
  { flag: 'port', env: 'CDS_EMU_PORT', def: '11210', help: 'API port; 0 picks a free one', parse: int('--port', 0, 65535), key: 'port' },
  { flag: 'data', env: 'CDS_EMU_DATA', def: './.cds-emulator/state.db', help: 'SQLite file; :memory: keeps nothing', parse: str, key: 'data' },
  { flag: 'backend', env: 'CDS_EMU_BACKEND', def: 'auto', help: 'none | process | docker | auto (process if memcached is found, else docker if an engine answers, else none)', parse: oneOf('--backend', ['none', 'process', 'docker', 'auto']), key: 'backend' },
  { flag: 'task-delay-ms', env: 'CDS_EMU_TASK_DELAY_MS', def: '1500', help: 'how long a task stays DOING before its work is applied; 0 = as soon as possible', parse: int('--task-delay-ms', 0, 86_400_000), key: 'taskDelayMs' },
  { flag: 'auth', env: 'CDS_EMU_AUTH', def: 'enforce', help: 'enforce | report (accept, but record the violation) | off', parse: oneOf('--auth', ['enforce', 'report', 'off']), key: 'auth' },
  { flag: 'fixtures', env: 'CDS_EMU_FIXTURES', def: '', help: 'folder with regions.json, vdcs.json, credentials.json, and optionally instances.json (seeded instances)', parse: str, key: 'fixturesDir', shown: 'the built-in fixtures/' },
  { flag: 'log-level', env: 'CDS_EMU_LOG_LEVEL', def: 'info', help: 'pino level (fatal, error, warn, info, debug, trace, silent); pretty on a terminal, JSON otherwise', parse: oneOf('--log-level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), key: 'logLevel' },
  { flag: 'docker-network', env: 'CDS_EMU_DOCKER_NETWORK', def: 'auto', help: 'host | publish | auto: how the docker backend makes a container reachable: its host network (a leased loopback address), or a port the engine publishes on 127.0.0.1; auto = host with a local Linux engine, publish with a remote, rootless or Docker Desktop one', parse: oneOf('--docker-network', ['host', 'publish', 'auto']), key: 'dockerNetwork' },
  { flag: 'watchdog-ms', env: 'CDS_EMU_WATCHDOG_MS', def: '1000', help: 'how often each running instance is checked (at most 500 checks a second: 1,000 instances take 2 s); a dead memcached turns its instance to error; 0 = never', parse: int('--watchdog-ms', 0, 3_600_000), key: 'watchdogMs' },
  { flag: 'timestamp-window-sec', env: 'CDS_EMU_TIMESTAMP_WINDOW_SEC', def: '900', help: 'accepted clock skew of a request Timestamp, and how long a SignatureNonce is remembered', parse: int('--timestamp-window-sec', 1, 31_536_000), key: 'timestampWindowSec' },
  { flag: 'nonce-check', env: 'CDS_EMU_NONCE_CHECK', def: 'on', help: 'on | off: reject a SignatureNonce used before (per AccessKeyId, within the window)', parse: onOff('--nonce-check'), key: 'nonceCheck' },
  { flag: 'task-mode', env: 'CDS_EMU_TASK_MODE', def: 'timed', help: 'timed (tasks finish after their delay) | manual (tasks wait for POST /_emulator/tasks/run or a clock advance)', parse: oneOf('--task-mode', ['timed', 'manual']), key: 'taskMode' },
  { flag: 'create-delay-ms', env: 'CDS_EMU_CREATE_DELAY_MS', def: '', help: 'delay of create tasks', parse: optInt('--create-delay-ms', 0, 86_400_000), key: 'createDelayMs', shown: '--task-delay-ms' },
  { flag: 'update-delay-ms', env: 'CDS_EMU_UPDATE_DELAY_MS', def: '', help: 'delay of update tasks', parse: optInt('--update-delay-ms', 0, 86_400_000), key: 'updateDelayMs', shown: '--task-delay-ms' },
  { flag: 'clear-delay-ms', env: 'CDS_EMU_CLEAR_DELAY_MS', def: '', help: 'delay of clear tasks', parse: optInt('--clear-delay-ms', 0, 86_400_000), key: 'clearDelayMs', shown: '--task-delay-ms' },
  { flag: 'delete-delay-ms', env: 'CDS_EMU_DELETE_DELAY_MS', def: '', help: 'delay of delete tasks', parse: optInt('--delete-delay-ms', 0, 86_400_000), key: 'deleteDelayMs', shown: '--task-delay-ms' },
  { flag: 'journal-size', env: 'CDS_EMU_JOURNAL_SIZE', def: '1000', help: 'how many API calls /_emulator/requests keeps (a ring); 0 = journal off', parse: int('--journal-size', 0, 1_000_000), key: 'journalSize' },
  { flag: 'journal-max-bytes', env: 'CDS_EMU_JOURNAL_MAX_BYTES', def: String(16 * 1024 * 1024), help: 'most the request journal weighs (its entries as JSON); past it the oldest entries are dropped. An entry keeps at most 4 KB of a string field', parse: int('--journal-max-bytes', 1024 * 1024, 1024 * 1024 * 1024), key: 'journalMaxBytes' },
  { flag: 'faults', env: 'CDS_EMU_FAULTS', def: '', help: 'JSON file of fault rules to install at start-up (same shape as POST /_emulator/faults)', parse: str, key: 'faultsFile', shown: 'none' },
  { flag: 'nonce-capacity', env: 'CDS_EMU_NONCE_CAPACITY', def: '100000', help: 'most SignatureNonces remembered (memory and disk, ~150 bytes each); past it the oldest are forgotten before their window ends (see replay in /_emulator/state)', parse: int('--nonce-capacity', 1, 100_000_000), key: 'nonceCapacity' },
  { flag: 'admin-token', env: 'CDS_EMU_ADMIN_TOKEN', def: '', help: 'if set, every /_emulator/ call needs "Authorization: Bearer <token>"', parse: str, key: 'adminToken', shown: 'none (no token needed)' },
  { flag: 'advertise-host', env: 'CDS_EMU_ADVERTISE_HOST', def: '', help: 'service-container mode: instances listen on all interfaces and Describe returns this host name', parse: str, key: 'advertiseHost', shown: 'none (normal mode)' },
  { flag: 'upstream', env: 'CDS_EMU_UPSTREAM', def: '', help: 'proxy mode: forward every signed API call unchanged to this base URL (the real cloud) and answer with its reply; the emulator checks no signature and runs no action', parse: httpUrl('--upstream'), key: 'upstream', shown: 'none' },
  { flag: 'record', env: 'CDS_EMU_RECORD', def: '', help: 'with --upstream: write each exchange to this folder as one JSON file (no Signature, nonce or AccessKeyId; see docs/recording.md)', parse: str, key: 'record', shown: 'none' },
  { flag: 'replay', env: 'CDS_EMU_REPLAY', def: '', help: 'answer the signed API from the recordings in this folder instead of running actions (signatures checked as --auth says)', parse: str, key: 'replay', shown: 'none' },
  { flag: 'upstream-timeout-ms', env: 'CDS_EMU_UPSTREAM_TIMEOUT_MS', def: '30000', help: 'how long proxy mode waits for the upstream\'s answer before it answers 504 UpstreamTimeout', parse: int('--upstream-timeout-ms', 1, 3_600_000), key: 'upstreamTimeoutMs' },
  { flag: 'instance-ports', env: 'CDS_EMU_INSTANCE_PORTS', def: '', help: 'FROM-TO: the ports instances get in service-container mode', parse: str, key: 'instancePorts', shown: '11211-11410' },
];

const ENV_ONLY = [
  ['CDS_EMU_ACCESS_KEY_ID', 'replace the well-known AccessKeyId'],
  ['CDS_EMU_ACCESS_KEY_SECRET', 'replace the well-known AccessKeySecret'],
  ['CDS_EMU_MEMCACHED_BIN', 'process backend binary (default: memcached on PATH)'],
  ['CDS_EMU_MEMCACHED_IMAGE', 'docker backend image (default: memcached:1.6-alpine)'],
  ['DOCKER_HOST', 'docker engine to use (default: the local socket)'],
];

/** The --help text; `credential` is the pair every emulator accepts unless told otherwise (the contract's). */
export function helpText(credential: { accessKeyId: string; accessKeySecret: string }): string {
  const lines = ['Usage: cds-memcached-emulator [options]', '', 'Local emulator of the CapitalOnline Memcached OpenAPI.', '', 'Options (each has an environment variable; a flag beats the variable):'];
  for (const o of OPTIONS) lines.push(`  --${o.flag.padEnd(22)} ${o.env.padEnd(30)} default ${o.def || o.shown || '(none)'}\n      ${o.help}`);
  lines.push('  --ready-json             once the API answers, print one JSON line on stdout (url, endpoint, ccsEndpoint,\n      accessKeyId, accessKeySecret, pid, version) and nothing else there: every log line goes to stderr');
  lines.push('  --help                   print this and exit', '  --version                print the version and exit', '', 'Environment only:');
  for (const [k, v] of ENV_ONLY) lines.push(`  ${k.padEnd(28)} ${v}`);
  lines.push('', `Default credentials: AccessKeyId ${credential.accessKeyId}, AccessKeySecret ${credential.accessKeySecret}`);
  return lines.join('\n');
}
