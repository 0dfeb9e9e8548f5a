# syntax=docker/dockerfile:1.7
#
# Keygram server image: `keygram serve --role webhook|bot|all` from one bundled file.
#   docker build -t keygram .
#   docker run --env-file .env -v keygram-data:/data -p 9000:9000 keygram serve --role webhook
# The compose deployment lives in examples/docker-compose/.

ARG NODE_VERSION=22

# ---- build: install the workspace from the lockfile, bundle the CLI with tsup ----
FROM node:${NODE_VERSION}-slim AS build
# Same pnpm as `packageManager` in package.json (a test keeps the two equal).
ARG PNPM_VERSION=10.34.9
ENV CI=true
# better-sqlite3 downloads a prebuilt binding; the compilers are the fallback for platforms without one.
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
FROM node:${NODE_VERSION}-slim AS runtime
ENV NODE_ENV=production \
  LOG_FORMAT=json \
  KEYGRAM_STORE=sqlite:/data/keygram.db \
  WEBHOOK_PORT=9000 \
  BOT_PORT=9001
WORKDIR /app
# Owned by root and read-only for the node user: the process can write only to /data.
COPY --from=build /src/packages/server-node/bundle/ /app/
# Slim images have no curl: the health check is a few lines of Node using its built-in fetch.
# With port arguments every listed port must answer 200; without, it checks WEBHOOK_PORT and BOT_PORT and
# passes when at least one answers 200 and the other answers 200 or is closed, so it suits every --role.
COPY <<'EOF' /app/healthcheck.mjs
const explicit = process.argv.slice(2)
const ports = explicit.length > 0 ? explicit : [process.env.WEBHOOK_PORT || '9000', process.env.BOT_PORT || '9001']
const states = await Promise.all(
  ports.map((port) =>
    fetch('http://127.0.0.1:' + port + '/healthz', { signal: AbortSignal.timeout(4000) }).then(
      (response) => (response.ok ? 'up' : 'failing ' + response.status),
      (error) => (error.name === 'TimeoutError' ? 'timed out' : 'closed'),
    ),
  ),
)
console.log(ports.map((port, index) => port + ' ' + states[index]).join(', '))
const healthy =
  explicit.length > 0
    ? states.every((state) => state === 'up')
    : states.includes('up') && states.every((state) => state === 'up' || state === 'closed')
process.exit(healthy ? 0 : 1)
EOF
# The volume starts as a copy of this folder, so the node user owns the SQLite file it creates there.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 9000 9001
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s --start-interval=5s --retries=5 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["node", "/app/keygram.mjs"]
CMD ["serve"]
