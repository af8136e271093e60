# syntax=docker/dockerfile:1
#
# One image (target `runtime`, the default) for every Statehouse process; docker-compose.yml picks the command:
#   migrate   npm run db:deploy && npm run seed   (one-shot)
#   web       npm run web                          (default CMD; Next.js on $PORT, 3000)
#   worker    npm run worker                       (BullMQ workers; GET /healthz on $WORKER_HEALTH_PORT, 9464)
#   ingress   npm run ingress                      (the lean ingress on $INGRESS_PORT, 8080, and the playground ports)
#   trickle / welcome                              (the demo's gentle trickle; the banner printed once all is up)
# The worker, the ingress and the seed run TypeScript through tsx (a dependency). The runtime image carries the
# production dependencies only (`npm ci --omit=dev`): tests/deploy/runtime-deps.test.ts checks that everything
# these processes import is one. The demo functions are an image of their own (target `functions`), built from
# examples/functions/package.json, since the official StateFun SDK is only a devDependency of Statehouse.
# No secret is baked in: every credential comes from the environment at run time.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- manifest: what installing needs, shared by deps (everything) and prod-deps (production only) ------------
FROM ${NODE_IMAGE} AS manifest
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

# ---- deps: node_modules exactly as locked, devDependencies included (to build) ------------------------------
FROM manifest AS deps
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

# ---- prod-deps: the production dependencies only, the same way ----------------------------------------------
FROM manifest AS prod-deps
# The prisma CLI is a dependency (migrations run from the runtime image), so `db:generate` works without devDependencies.
RUN npm ci --omit=dev --ignore-scripts \
 && npm rebuild esbuild msgpackr-extract \
 && npm run -s db:generate

# ---- functions: the demo's StateFun functions on the official JS SDK (image of their own) -----------------
FROM ${NODE_IMAGE} AS functions
WORKDIR /functions
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY examples/functions/package.json examples/functions/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm rebuild esbuild
COPY examples/functions/*.ts ./
USER node
EXPOSE 8000
CMD ["node", "--import", "tsx", "server.ts", "--port", "8000", "--host", "0.0.0.0"]

# ---- runtime (the default target: keep it last) ------------------------------------------------------------
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
# App source (.dockerignore keeps node_modules, .next and server/generated out), the production node_modules
# and Prisma client, and the built .next — owned by root (read-only for the app user); only .next/cache, where
# Next writes at run time, belongs to the non-root user.
COPY . .
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/server/generated ./server/generated
COPY --from=build /app/.next ./.next
RUN mkdir -p .next/cache && chown -R node:node .next/cache
USER node
EXPOSE 3000 8080 8090 8091 9464
CMD ["npm", "run", "web"]
