// server.ts — `node dist/server.mjs [options]`: the server alone, as `npm start` runs it (the bin adds call/wait).
import { serve } from './cli/serve.js';

await serve(process.argv.slice(2));
