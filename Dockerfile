# syntax=docker/dockerfile:1
#
# One image for every Statehouse process; docker-compose.yml picks the command:
#   migrate   npm run db:deploy && npm run seed   (one-shot)
#   web       npm run web                          (default CMD; Next.js on $PORT, 3000)
#   worker    npm run worker                       (BullMQ workers; GET /healthz on $WORKER_HEALTH_PORT, 9464)
#   functions npm run functions -- --port 8000 --host 0.0.0.0   (the demo StateFun functions)
#
# The worker, the seed and the demo functions run TypeScript through tsx, and the demo functions use the
# devDependency apache-flink-statefun, so the runtime image carries the full node_modules (devDependencies
# included). No secret is baked in: every credential comes from the environment at run time.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: install node_modules exactly as locked --------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
# `prisma generate` (the postinstall: wasm engine, offline) needs the schema, prisma.config.ts and the CLI's two
# preloads (`npm run prisma`); nothing else of the source is needed to install.
COPY package.json package-lock.json ./
COPY prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/unref-long-timers.cjs scripts/drop-adapter-url-warning.cjs ./scripts/
# The image's npm 10 ignores package.json "allowScripts" and would run every install script, including the
# Prisma engine downloads (stack.md P7). Apply the same policy by hand: no scripts, then only the approved
# ones (esbuild, msgpackr-extract), then the project's postinstall.
RUN npm ci --ignore-scripts \
 && npm rebuild esbuild msgpackr-extract \
 && npm run -s db:generate

# ---- build: compile the Next.js app --------------------------------------------------------------------
FROM deps AS build
# .dockerignore keeps node_modules, .next and server/generated out of the context, so this does not
# overwrite what the deps stage produced.
COPY . .
RUN npm run build && rm -rf .next/cache

# ---- runtime -------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    PORT=3000 \
    WORKER_HEALTH_PORT=9464
# App source + node_modules (incl. devDependencies) + server/generated + .next, owned by root (read-only for
# the app user); only .next/cache, where Next writes at run time, belongs to the non-root user.
COPY --from=build /app ./
RUN mkdir -p .next/cache && chown -R node:node .next/cache
USER node
EXPOSE 3000 8000 9464
CMD ["npm", "run", "web"]
