# Dockerfile — the emulator with the `process` backend (Debian's memcached). Three stages: production dependencies,
# the build, and a final image holding only what runs (dist/, production node_modules, migrations, fixtures).
# Normal mode: run with host networking (docker-compose.yml) so instances' 127.x.y.z:11211 are the host's loopback.
# Service-container mode (CI): set CDS_EMU_ADVERTISE_HOST to the service's host name (docs/ci.md).

# Native modules (better-sqlite3) may need a compiler when no prebuilt binary fits; keep it out of the final image.
FROM node:20-bookworm-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The build needs the dev tools (esbuild, typescript); none of them reach the final image.
FROM deps AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
# tini reaps exited memcached children and forwards SIGTERM to node.
RUN apt-get update \
 && apt-get install -y --no-install-recommends memcached tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown node:node /data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
COPY fixtures ./fixtures
COPY ui ./ui
USER node
ENV NODE_ENV=production \
    CDS_EMU_HOST=0.0.0.0 \
    CDS_EMU_PORT=11210 \
    CDS_EMU_BACKEND=process \
    CDS_EMU_DATA=/data/state.db
VOLUME ["/data"]
EXPOSE 11210
# No curl in slim: node asks the control plane itself (Host localhost, the admin token when one is set).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const h=require('http');const t=process.env.CDS_EMU_ADMIN_TOKEN;h.get({host:'127.0.0.1',port:process.env.CDS_EMU_PORT||11210,path:'/_emulator/health',headers:{host:'localhost',...(t?{authorization:'Bearer '+t}:{})},timeout:2500},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/server.mjs"]
