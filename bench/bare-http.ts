// bench/bare-http.ts — a baseline below bench/bare-fastify.ts: Node's own http server, no framework, reading the body and
// parsing it as JSON, then answering BARE_BODY's fixed bytes. What any HTTP server on this Node pays per call at least.
import http from 'node:http';

const body = Buffer.from(process.env.BARE_BODY ?? '{"Code":"Success","Data":{},"Message":"Success."}');
const portArg = process.argv.indexOf('--port');
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString() || '{}');
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(portArg >= 0 ? Number(process.argv[portArg + 1]) : 0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, msg: 'bare http ready' }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
