// index.ts — the in-process API: startEmulator() starts one emulator in this process and hands back its address, a signed
// client, the admin (calling the emulator directly) and close(); it reads no argv, installs no signal handler and never
// exits the process.
import { configFromOptions, type Config } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './start.js';
import { CdsMemcachedClient, type Admin } from './client/index.js';
import { InProcessAdmin } from './in-process-admin.js';
import { PRODUCTS } from './contract/index.js';

export * from './client/index.js';

/** The flags of `--help`, in camelCase (`--log-level` → `logLevel`), plus the environment-only settings. */
export type EmulatorOptions = {
  [K in Exclude<keyof Config, 'fixturesDir' | 'faultsFile'>]?: Config[K] | undefined;
} & {
  /** Folder with regions.json, vdcs.json, credentials.json (`--fixtures`). */
  fixtures?: string | undefined;
  /** JSON file of fault rules installed at start-up (`--faults`). */
  faults?: string | undefined;
};

export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:39071: give it to CdsMemcachedClient / EmulatorAdmin / CDS_EMU_ENDPOINT. */
  url: string;
  /** The Memcached product URL a vendor SDK is pointed at: `${url}/memcached`. */
  endpoint: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  /** A signed client already configured with the address and credentials. */
  client: CdsMemcachedClient;
  /** The control plane, called in this process: the same methods as EmulatorAdmin, no HTTP, no admin token needed. */
  admin: Admin;
  /** Stops the server, its scheduler and every memcached it started; resolves when all are gone. */
  close(): Promise<void>;
}

/**
 * In-process defaults differ from the CLI's: port 0 (a free one), data ':memory:', log level 'silent'. The backend
 * default is the CLI's: 'auto' (memcached on PATH, else a Docker engine, else bookkeeping only).
 */
const IN_PROCESS_DEFAULTS = { port: 0, data: ':memory:', logLevel: 'silent', backend: 'auto' } as const satisfies Partial<Config>;

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const config = configFromOptions(options, IN_PROCESS_DEFAULTS);
  const log = createLogger(config.logLevel, false);
  const { app, emulator, url } = await startServer(config, log);
  const [accessKeyId, accessKeySecret] = [...emulator.ctx.fixtures.current.credentials.entries()][0] ?? ['', ''];
  const admin = new InProcessAdmin(emulator);
  let closed: Promise<void> | undefined;
  return {
    url,
    endpoint: `${url}${PRODUCTS.memcached.path}`,
    credentials: { accessKeyId, accessKeySecret },
    client: new CdsMemcachedClient({ endpoint: url, accessKeyId, accessKeySecret }),
    admin,
    close: () => (closed ??= app.close()),
  };
}

