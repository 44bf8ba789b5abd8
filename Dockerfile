# Dockerfile — the emulator with the `process` backend (Debian's memcached). Two stages: the build (one npm ci, the
# bundle, then a prune to production) and a final image holding only what runs; nothing is fetched that can be built.
# Normal mode: run with host networking (docker-compose.yml) so instances' 127.x.y.z:11211 are the host's loopback.
# Service-container mode (CI): set CDS_EMU_ADVERTISE_HOST to the service's host name (docs/ci.md).
#
# NODE_IMAGE: any Debian bookworm image with Node 20 on PATH and a `node` user, such as the official one or a copy
# of it in your own registry: docker build --build-arg NODE_IMAGE=registry.example.com/node:20-bookworm-slim .
# Steps are few and the large ones late: on some storage drivers (vfs) every step copies the whole file system.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# better-sqlite3 compiles itself when no prebuilt binary can be fetched. The compiler is installed, used by this one
# npm ci (dev tools included: the build needs esbuild and typescript) and removed in the same step, with npm's cache.
# node-gyp uses the headers that ship with Node when there are some, so a compile needs nothing from nodejs.org.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" \
 && if [ -f "$prefix/include/node/node.h" ]; then export npm_config_nodedir="$prefix"; fi \
 && npm ci --no-audit --no-fund \
 && apt-get purge -y --auto-remove python3 make g++ \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /root/.npm /root/.cache
# The context is an allow-list (.dockerignore): sources, the build's configuration and what the image ships.
COPY . .
# /out holds exactly what runs: the bundle, production dependencies, migrations, fixtures and the console.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir /out \
 && cp -a package.json node_modules dist migrations fixtures ui /out/

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    CDS_EMU_HOST=0.0.0.0 \
    CDS_EMU_PORT=11210 \
    CDS_EMU_BACKEND=process \
    CDS_EMU_DATA=/data/state.db
EXPOSE 11210
# No curl in slim: node asks the control plane itself. The Host header carries the port, as a browser's does: the
# control plane refuses a Host that names another port (docs/security.md). The admin token goes along when one is set.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const h=require('http');const p=process.env.CDS_EMU_PORT||11210;const t=process.env.CDS_EMU_ADMIN_TOKEN;h.get({host:'127.0.0.1',port:p,path:'/_emulator/health',headers:{host:'localhost:'+p,...(t?{authorization:'Bearer '+t}:{})},timeout:2500},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
# tini reaps exited memcached children and forwards SIGTERM to node.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/server.mjs"]
WORKDIR /app
# Debian's memcached package depends on perl (~48 MB, for memcached-tool): take only its program and the libraries it
# links, and check that it runs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
      $(apt-cache depends --no-recommends --no-suggests memcached | sed -n 's/^ *Depends: \(lib[^ <]*\)$/\1/p') \
 && cd /tmp && apt-get download memcached \
 && dpkg-deb --fsys-tarfile memcached_*.deb | tar -x -C / ./usr/bin/memcached ./usr/share/doc/memcached/copyright \
 && rm -f memcached_*.deb && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && memcached --version \
 && mkdir -p /data && chown node:node /data
COPY --from=build /out ./
VOLUME ["/data"]
USER node
