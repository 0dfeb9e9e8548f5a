# Stand-ins for the official nginx, Redis and Caddy images the compose files name, made from Debian packages
# (no registry is reachable in CI). Each keeps the official image's interface: the same command, paths and
# signals, so the published compose files run against them unchanged. Built by ../images.ts; Engine 20.10's
# builder knows no heredocs, hence the printf.
ARG BASE_IMAGE

# nginx:stable-alpine: /etc/nginx/conf.d/*.conf inside the http block, logs to the container's output,
# graceful stop on SIGQUIT, wget for health checks (busybox's in the official image). Debian 13's nginx
# (1.26) knows `http2 on`; Debian 12's (1.22) does not.
FROM ${BASE_IMAGE} AS nginx
RUN apt-get update \
  && apt-get install -y --no-install-recommends nginx wget \
  && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
  && ln -sf /dev/stdout /var/log/nginx/access.log \
  && ln -sf /dev/stderr /var/log/nginx/error.log
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]

# redis:7-alpine: `redis-server` with its arguments, data in /data, run as the redis user, protected mode
# off (the official image is built so; the port is reachable only on the compose network).
FROM ${BASE_IMAGE} AS redis
RUN apt-get update \
  && apt-get install -y --no-install-recommends redis-server \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data && chown redis:redis /data \
  && printf '%s\n' '#!/bin/sh' \
    'if [ "$1" = redis-server ]; then shift; set -- redis-server "$@" --protected-mode no; fi' \
    'exec "$@"' > /usr/local/bin/redis-entrypoint \
  && chmod 755 /usr/local/bin/redis-entrypoint
WORKDIR /data
USER redis
ENTRYPOINT ["/usr/local/bin/redis-entrypoint"]
CMD ["redis-server"]

# caddy:2: the Caddyfile at /etc/caddy/Caddyfile, certificates and keys in /data, wget for health checks.
FROM ${BASE_IMAGE} AS caddy
RUN apt-get update \
  && apt-get install -y --no-install-recommends caddy wget ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
WORKDIR /srv
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
