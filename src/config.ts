// config.ts — turns argv, the environment and options given in code into one frozen Config: flags beat variables,
// variables beat defaults. The only reader of the server's settings (CDS_EMU_*, DOCKER_HOST); what the options are
// (names, defaults, parsing, --help) is options.ts. Elsewhere process.env is read only for what is not one: the
// target of `call` and `wait` (cli/main.ts hands the environment to cli/args.ts), PATH when looking for the memcached
// binary (backends/procfs.ts), and npm's lifecycle variables that tell how the process was launched (npm-parent.ts,
// cli/serve.ts).
import { parseArgs } from 'node:util';
import path from 'node:path';
import { ConfigError } from './errors.js';
import { OPTIONS, int, type Config } from './options.js';
import { PROJECT_ROOT } from './paths.js';

export { OPTIONS, helpText, type AuthMode, type BackendChoice, type Config, type TaskMode } from './options.js';

type Env = Record<string, string | undefined>;

/** The camelCase name of each flag (`--log-level` → `logLevel`, `--fixtures` → `fixtures`), as startEmulator() takes them. */
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const ENV_ONLY_KEYS = ['accessKeyId', 'accessKeySecret', 'memcachedBin', 'memcachedImage', 'dockerHost'] as const;

/** Options given in code: each is checked by the same rule as its flag; unknown names are an error, undefined means "default". */
export function configFromOptions(options: Record<string, unknown>, defaults: Partial<Config>, env: Env = process.env): Config {
  const cfg: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const o = OPTIONS.find((x) => camel(x.flag) === name || x.key === name);
    if (o) {
      const raw = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
      cfg[o.key] = o.parse(raw);
    } else if ((ENV_ONLY_KEYS as readonly string[]).includes(name)) {
      if (typeof value !== 'string') throw new ConfigError(`${name} must be a string`);
      cfg[name] = value;
    } else if (name === 'bodyLimitBytes') {
      cfg[name] = int(name, 1, 1 << 30)(String(value));
    } else {
      throw new ConfigError(`unknown option "${name}" (see cds-memcached-emulator --help; options are the flags in camelCase)`);
    }
  }
  return buildConfig(cfg as Partial<Config>, env);
}

/** `readyJson`: `serve --ready-json`, a way of reporting the start (cli/serve.ts), not a setting of the emulator. */
export type ParsedArgs = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: Config; readyJson: boolean };

export function loadConfig(argv: string[] = process.argv.slice(2), env: Env = process.env): ParsedArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      'ready-json': { type: 'boolean' },
    },
  });
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const cfg: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const raw = ((values as Record<string, unknown>)[o.flag] as string | undefined) ?? env[o.env] ?? o.def;
    cfg[o.key] = o.parse(raw);
  }
  return { kind: 'run', config: buildConfig(cfg as Partial<Config>, env), readyJson: values['ready-json'] === true };
}

/** Defaults for everything, for tests and embedders; `overrides` win. */
export function buildConfig(overrides: Partial<Config> = {}, env: Env = process.env): Config {
  // The flags' defaults are the ones --help prints; only the environment-only settings are listed here.
  const defaults = {
    ...(Object.fromEntries(OPTIONS.map((o) => [o.key, o.parse(o.def)])) as Partial<Config>),
    accessKeyId: env.CDS_EMU_ACCESS_KEY_ID || undefined,
    accessKeySecret: env.CDS_EMU_ACCESS_KEY_SECRET || undefined,
    memcachedBin: env.CDS_EMU_MEMCACHED_BIN || 'memcached',
    memcachedImage: env.CDS_EMU_MEMCACHED_IMAGE || 'memcached:1.6-alpine',
    dockerHost: env.DOCKER_HOST || undefined,
    bodyLimitBytes: 1024 * 1024,
  };
  const merged = { ...defaults, ...stripUndefined(overrides) } as Config;
  if (!merged.fixturesDir) merged.fixturesDir = path.join(PROJECT_ROOT, 'fixtures');
  if (merged.upstream && merged.replay) throw new ConfigError('--upstream and --replay cannot be used together: proxy to the cloud, or answer from recordings');
  if (merged.record && !merged.upstream) throw new ConfigError('--record needs --upstream (it records what the upstream answers)');
  return Object.freeze(merged);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
