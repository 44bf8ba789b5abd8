// http/openapi-routes.ts — serves the OpenAPI documents under the control plane: the signed API's (openapi.ts) and the
// control plane's own (openapi-control-plane.ts). Each built once, answered as text.
import fp from 'fastify-plugin';
import { openApiJson } from './openapi.js';
import { controlPlaneOpenApiJson } from './openapi-control-plane.js';

export const openApiRoutes = fp(
  async (app) => {
    app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(openApiJson()));
    app.get('/openapi-control-plane.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(controlPlaneOpenApiJson()));
  },
  { name: 'openapi', encapsulate: true, dependencies: ['control-plane'] },
);
