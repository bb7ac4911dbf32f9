# syntax=docker/dockerfile:1
# alerts-api (NestJS) and the console it serves (dist/apps/console, built by `npm run build`).
# Build from the repository root:  docker build -f docker/alerts-api.Dockerfile -t xueliang/alerts-api .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit
COPY tsconfig.base.json tsconfig.json nx.json ./
COPY tools ./tools
COPY libs ./libs
COPY apps ./apps
# Builds the apps with swc and the console with vite (into dist/apps/console).
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
# ffmpeg: the console's latest-frame grabs and on-demand live view (node-rtsp-stream) run it.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 xl && useradd --system --uid 10001 --gid xl --home-dir /app --shell /usr/sbin/nologin xl \
 && mkdir -p /var/lib/xueliang/snapshots /var/lib/xueliang/evidence /var/lib/xueliang/db && chown -R 10001:10001 /var/lib/xueliang
WORKDIR /app
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 MODELS_DIR=/app/models SNAPSHOT_DIR=/var/lib/xueliang/snapshots EVIDENCE_DIR=/var/lib/xueliang/evidence DATABASE_URL=sqlite:/var/lib/xueliang/db/xueliang.db
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
# Model manifests only (no weights): a camera's rule classes are checked against its model's labels.
COPY models/*.json ./models/
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD ["node", "docker/healthcheck.mjs", "http://127.0.0.1:3000/healthz"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/apps/alerts-api/src/main.js"]
