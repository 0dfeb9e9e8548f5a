# syntax=docker/dockerfile:1.7
#
# Keygram server image: `keygram serve --role webhook|bot|all` from one bundled file.
#   docker build -t keygram .
#   docker run --env-file .env -v keygram-data:/data -p 9000:9000 keygram serve --role webhook
# The compose deployment lives in examples/docker-compose/.

ARG NODE_VERSION=22
# The images the two stages start from: the official Node images unless told otherwise. Any Debian-based
# image with Node and npm in /usr/local (and a `node` user, uid 1000, for the runtime) will do, e.g. one
# made from Debian packages where no registry is reachable (packages/server-node/test/deploy/live/).
ARG BUILD_IMAGE=node:${NODE_VERSION}-slim
ARG RUNTIME_IMAGE=node:${NODE_VERSION}-slim

# ---- build: install the workspace from the lockfile, bundle the CLI with tsup ----
FROM ${BUILD_IMAGE} AS build
# Same pnpm as `packageManager` in package.json (a test keeps the two equal).
ARG PNPM_VERSION=10.34.9
# node-gyp builds against the headers the image ships in /usr/local/include/node instead of downloading them.
ENV CI=true \
  npm_config_nodedir=/usr/local
# better-sqlite3 downloads a prebuilt binding; the compilers are the fallback for platforms without one
# (or where the download is blocked).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/* \
  && npm install --global pnpm@${PNPM_VERSION}
WORKDIR /src
COPY . .
# The server and the workspace packages it depends on (pnpm adds the root's dev tools; they stay in this stage).
RUN --mount=type=cache,id=keygram-pnpm-store,target=/pnpm-store \
  pnpm install --frozen-lockfile --store-dir /pnpm-store --filter "@keygram/server-node..."
# Writes packages/server-node/bundle/: keygram.mjs plus node_modules/ with better-sqlite3 (run-time files only).
RUN pnpm --filter @keygram/server-node run bundle

# ---- runtime: the bundle, the native SQLite binding, nothing else ----
FROM ${RUNTIME_IMAGE} AS runtime
ENV NODE_ENV=production \
  LOG_FORMAT=json \
  KEYGRAM_STORE=sqlite:/data/keygram.db \
  WEBHOOK_PORT=9000 \
  BOT_PORT=9001 \
  NODE_COMPILE_CACHE=/app/.compile-cache
WORKDIR /app
# Owned by root and read-only for the node user: the process can write only to /data.
COPY --from=build /src/packages/server-node/bundle/ /app/
# Slim images have no curl: the health check is a few lines of Node using its built-in fetch (see the file).
COPY packages/server-node/docker/healthcheck.mjs /app/healthcheck.mjs
# The volume starts as a copy of this folder, so the node user owns the SQLite file it creates there.
# Then V8's compile cache of the bundle (Node 22.1+; older lines ignore it): a start reads the compiled code
# instead of compiling 5 MB again, about a third off the time to listening. Node keeps one cache per user and
# per V8 flags, so it is made as the node user with the ENTRYPOINT's flags, then left read-only.
RUN mkdir -p /data && chown node:node /data \
  && mkdir -m 0777 /tmp/compile-cache \
  && runuser -u node -- env NODE_COMPILE_CACHE=/tmp/compile-cache \
    node --max-semi-space-size=2 /app/keygram.mjs --help > /dev/null \
  && mv /tmp/compile-cache /app/.compile-cache \
  && chown -R root:root /app/.compile-cache && chmod -R a+rX,go-w /app/.compile-cache
USER node
VOLUME /data
EXPOSE 9000 9001
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s --start-interval=5s --retries=5 CMD ["node", "/app/healthcheck.mjs"]
# A young generation of at most 2 MB per semi-space instead of V8's 16 MB: an idle container uses about 40-50 MB
# (docker stats) instead of about 70, and about 50-100 MB right after a 20,000-row stock import (90-120 MB with
# the default). Measured by pnpm test:compose; see docs/guide/docker-compose.md.
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/keygram.mjs"]
CMD ["serve"]
