// cli/main.ts — the bin: `serve` (the default) starts the emulator; `call`, `wait`, `conformance` and `verify` talk to one. Each loads only what it needs.
import { UsageError } from './args.js';

const SUBCOMMANDS = `Commands:
  cds-memcached-emulator [serve] [options]   start the emulator (options below)
  cds-memcached-emulator call <Action> …     sign and send one API call (call --help)
  cds-memcached-emulator wait <Id> <status>  wait for an instance's status or its deletion (wait --help)
  cds-memcached-emulator verify <DIR>        compare an emulator's answers with recorded ones (verify --help)
  cds-memcached-emulator conformance         what each client did that the vendor's rules forbid (conformance --help)
`;

const argv = process.argv.slice(2);
const [sub, ...rest] = argv;

if (sub === 'call' || sub === 'wait') {
  const { runCall, runWait, NoAnswer } = await import('./call.js');
  let code: number;
  try {
    code = await (sub === 'call' ? runCall : runWait)(rest, process.env);
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`cds-memcached-emulator ${sub}: ${(e as Error).message}${usage ? ` (see ${sub} --help)` : ''}\n`);
    code = usage ? 2 : e instanceof NoAnswer ? 3 : 1;
  }
  process.exitCode = code;
} else if (sub === 'verify') {
  const { runVerify, NoEndpoint } = await import('./verify.js');
  let code: number;
  try {
    code = await runVerify(rest);
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`cds-memcached-emulator verify: ${(e as Error).message}${usage ? ' (see verify --help)' : ''}\n`);
    code = usage ? 2 : e instanceof NoEndpoint ? 3 : 1;
  }
  process.exitCode = code;
} else if (sub === 'conformance') {
  const { runConformance } = await import('./conformance.js');
  process.exitCode = await runConformance(rest, process.env);
} else {
  const serveArgv = sub === 'serve' ? rest : argv;
  if (sub !== 'serve' && (argv.includes('--help') || argv.includes('-h'))) process.stdout.write(SUBCOMMANDS + '\n');
  const { serve } = await import('./serve.js');
  await serve(serveArgv);
}
