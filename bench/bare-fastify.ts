// bench/bare-fastify.ts — the baseline for bench/api.ts: a bare Fastify 5 `POST /memcached` returning a fixed Describe-like envelope.
import Fastify from 'fastify';

// bench/api.ts passes the emulator's real Describe answer in BARE_BODY so both sides send the same bytes.
const body =
  process.env.BARE_BODY ??
  JSON.stringify({ Code: 'Success', Message: 'Success.', Data: { InstanceId: 'bench', Status: 'running', Address: '192.0.2.2', Port: '11211' }, RequestId: 'bench' });
const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 0;

const app = Fastify();
app.post('/memcached', async (_req, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(body));
const url = await app.listen({ host: '127.0.0.1', port });
process.stdout.write(JSON.stringify({ url, msg: 'bare fastify ready' }) + '\n');
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
