// bench/bare-fastify.ts — the baseline for bench/api.ts and bench/journal.ts: bare Fastify 5 routes answering fixed bytes.
import Fastify from 'fastify';

// BARE_BODY: `POST /memcached` answers it (bench/journal.ts passes the emulator's real Describe answer). BARE_ROUTES:
// {"/path": {"status": 200, "body": "…"}}, one static route each, so bench/api.ts compares every case with the same bytes.
const body =
  process.env.BARE_BODY ??
  JSON.stringify({ Code: 'Success', Message: 'Success.', Data: { InstanceId: 'bench', Status: 'running', Address: '192.0.2.2', Port: '11211' }, RequestId: 'bench' });
const routes: Record<string, { status: number; body: string }> = { '/memcached': { status: 200, body }, ...JSON.parse(process.env.BARE_ROUTES ?? '{}') };
const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 0;

const app = Fastify();
for (const [url, r] of Object.entries(routes)) {
  app.post(url, async (_req, reply) => reply.code(r.status).header('content-type', 'application/json; charset=utf-8').send(r.body));
}
const url = await app.listen({ host: '127.0.0.1', port });
process.stdout.write(JSON.stringify({ url, msg: 'bare fastify ready' }) + '\n');
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
