// server.ts — entry: config → logger → buildApp → listen; graceful SIGINT/SIGTERM. Nothing else.
import { ConfigError, helpText, loadConfig, VERSION } from './config.js';
import { createLogger } from './logger.js';
import { followNpmParent } from './npm-parent.js';
import { buildApp } from './app.js';
import { WELL_KNOWN } from './fixtures.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = loadConfig();
  } catch (e) {
    process.stderr.write(`cds-memcached-emulator: ${(e as Error).message}\n(see --help)\n`);
    process.exit(2);
  }
  if (parsed.kind === 'help') return void process.stdout.write(helpText() + '\n');
  if (parsed.kind === 'version') return void process.stdout.write(VERSION + '\n');
  const config = parsed.config;
  const log = createLogger(config.logLevel);
  const { app, ctx } = await buildApp(config, log);
  const url = await app.listen({ host: config.host, port: config.port });
  const accessKeyId = [...ctx.fixtures.current.credentials.keys()][0];
  // The well-known development secret is public (README); any other secret is never printed.
  const secretHint = ctx.fixtures.current.credentials.get(accessKeyId) === WELL_KNOWN.AccessKeySecret ? `, AccessKeySecret ${WELL_KNOWN.AccessKeySecret}` : '';
  log.info(
    { url, backend: ctx.backend.kind, accessKeyId },
    `cds-memcached-emulator ready at ${url}/memcached (backend ${ctx.backend.kind}, AccessKeyId ${accessKeyId}${secretHint})`,
  );

  let closing = false;
  followNpmParent(log, () => closing);
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    app.close().then(
      () => {
        clearTimeout(force);
        process.exit(0);
      },
      (e) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e) => {
  if (e instanceof ConfigError) process.stderr.write(`cds-memcached-emulator: ${e.message}\n`);
  else process.stderr.write(`cds-memcached-emulator failed to start: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
