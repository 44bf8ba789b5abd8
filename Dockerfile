# Dockerfile — the emulator with the `process` backend (Debian's memcached) in one image; builds nothing at run time, pulls nothing at run time.
# Run with host networking (see docker-compose.yml) so the instances' 127.0.0.x:11211 are the host's loopback.

# Native modules (better-sqlite3) may need a compiler when no prebuilt binary fits; keep it out of the final image.
FROM node:20-bookworm-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# esbuild and tsx are runtime dependencies (the start bundle, the npx entry), so dev dependencies can stay out.
RUN npm ci --omit=dev

FROM node:20-bookworm-slim
# tini reaps exited memcached children and forwards SIGTERM, which npm as PID 1 would not do.
RUN apt-get update \
 && apt-get install -y --no-install-recommends memcached tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown node:node /data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Explicit list instead of `COPY . .`: no host node_modules, state or git data slips in.
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
COPY fixtures ./fixtures
# The same bundle `npm start` builds, made once here so the container starts in ~0.2 s.
RUN node scripts/build.mjs
USER node
ENV CDS_EMU_HOST=0.0.0.0 \
    CDS_EMU_PORT=11210 \
    CDS_EMU_BACKEND=process \
    CDS_EMU_DATA=/data/state.db
VOLUME ["/data"]
EXPOSE 11210
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/server.mjs"]
