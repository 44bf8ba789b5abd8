// cli/serve.ts — `cds-memcached-emulator [serve] [options]`: config → logger → start → graceful stop on signals
// (cli/stop.ts); with stop.ts the only place that exits the process for the server. A start-up failure is one line on
// stderr (the stack only at debug). With --ready-json, stdout carries one JSON line once the API answers, and nothing else.
import { helpText, loadConfig } from '../config.js';
import { ConfigError, StartupError } from '../errors.js';
import { VERSION } from '../paths.js';
import { PRODUCTS, WELL_KNOWN_KEY } from '../contract/index.js';
import { createLogger } from '../logger.js';
import { alive, followNpmParent, npmChain } from '../npm-parent.js';
import { startServer, type Started } from '../start.js';
import { onStopSignals } from './stop.js';

export async function serve(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = loadConfig(argv);
  } catch (e) {
    process.stderr.write(`cds-memcached-emulator: ${(e as Error).message}\n(see --help)\n`);
    process.exit(2);
  }
  if (parsed.kind === 'help') return void process.stdout.write(helpText(WELL_KNOWN_KEY) + '\n');
  if (parsed.kind === 'version') return void process.stdout.write(VERSION + '\n');
  const { config, readyJson } = parsed;
  // --ready-json keeps stdout for its one line: logs go to stderr, pretty when stderr is a terminal.
  const log = readyJson ? createLogger(config.logLevel, process.stderr.isTTY === true, 2) : createLogger(config.logLevel);

  const stopper = onStopSignals(log);
  let started: Started;
  // Should the start ever await something that cannot settle, Node would drain the loop and exit 13 in silence.
  const stalled = () => failStart(new Error('start-up stopped before the server was ready (a bug: please report it with --log-level debug output)'), config.logLevel);
  process.once('beforeExit', stalled);
  try {
    started = await startServer(config, log);
  } catch (e) {
    failStart(e, config.logLevel);
  } finally {
    process.off('beforeExit', stalled);
  }
  stopper.ready(started);
  if (readyJson && !stopper.closing) printReadyLine(started);
  followNpmParent(log, () => stopper.closing);
  followNpx(() => stopper.stop('npx ended'));
}

/** The one stdout line of `serve --ready-json` (docs/configuration.md). */
export interface ReadyLine {
  url: string;
  endpoint: string;
  ccsEndpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  pid: number;
  version: string;
}

/**
 * `--ready-json`: what a test in any language reads to find the emulator (docs/configuration.md). The secret is the
 * one the emulator accepts, given to whoever started it (the well-known one unless configured otherwise).
 */
function printReadyLine(s: Started): void {
  const [accessKeyId, accessKeySecret] = [...s.emulator.ctx.fixtures.current.credentials.entries()][0] ?? ['', ''];
  const line: ReadyLine = { url: s.url, endpoint: `${s.url}${PRODUCTS.memcached.path}`, ccsEndpoint: `${s.url}${PRODUCTS.ccs.path}`, accessKeyId, accessKeySecret, pid: process.pid, version: VERSION };
  // A reader that closed the pipe (EPIPE) must not crash a running emulator.
  process.stdout.on('error', () => undefined);
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Every start-up failure, whatever the data path: one line on stderr (the stack only at debug), exit 1. */
function failStart(e: unknown, logLevel: string): never {
  const known = e instanceof StartupError || e instanceof ConfigError;
  process.stderr.write(`cds-memcached-emulator: ${known ? (e as Error).message : `failed to start: ${(e as Error).message}`}\n`);
  if (logLevel === 'debug' || logLevel === 'trace') process.stderr.write(`${causeStack(e)}\n`);
  process.exit(1);
}

function causeStack(e: unknown): string {
  const err = e as Error & { cause?: unknown };
  return [err.stack, err.cause instanceof Error ? `caused by: ${err.cause.stack}` : ''].filter(Boolean).join('\n');
}

/**
 * `npx cds-memcached-emulator & … kill $!` signals npm, which dies without passing the signal on: when the npx that
 * started us is gone, stop as if signalled (memcacheds too), rather than linger on the port.
 */
function followNpx(stop: () => void): void {
  if (process.env.npm_command !== 'exec') return;
  const chain = npmChain();
  const timer = setInterval(() => {
    if (process.ppid === chain[0] && chain.every(alive)) return;
    clearInterval(timer);
    stop();
  }, 200).unref();
}
