# One parametrised image recipe for every service: the build stage compiles the
# workspace, `pnpm deploy` copies just one service with its production
# dependencies (workspace packages included), and the runtime stage runs it as
# the unprivileged `node` user under tini (signals forwarded, zombies reaped).
#   docker build --build-arg SERVICE=sensor-gateway -t mine/sensor-gateway .
FROM node:20-bookworm-slim AS build
ENV COREPACK_INTEGRITY_KEYS=0
RUN corepack enable
WORKDIR /repo
COPY . .
RUN pnpm install --frozen-lockfile
ARG SERVICE
RUN test -n "$SERVICE" \
 && pnpm --filter "@mine/${SERVICE}..." run build \
 && pnpm --filter "@mine/${SERVICE}" deploy --prod /out

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=root:root /out .
USER node
ENV NODE_ENV=production
ARG ENTRY=dist/main.js
ENV ENTRY=${ENTRY}
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "exec node \"$ENTRY\""]
