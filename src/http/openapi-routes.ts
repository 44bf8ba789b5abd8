// http/openapi-routes.ts — serves the OpenAPI documents under the control plane: the signed API's (openapi.ts). Built once
// each, answered as text.
import fp from 'fastify-plugin';
import { openApiJson } from './openapi.js';

export const openApiRoutes = fp(
  async (app) => {
    app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(openApiJson()));
  },
  { name: 'openapi', encapsulate: true, dependencies: ['control-plane'] },
);
