# syntax=docker/dockerfile:1
# Ingest worker: RTSP → ffmpeg → frames in Redis. Build from the repository root:
#   docker build -f docker/ingest.Dockerfile -t xueliang/ingest .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Compilers only for native modules whose prebuilt binary is missing (better-sqlite3); not in the runtime image.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node's install script only downloads CUDA files (see .npmrc); the CPU binaries are bundled.
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit
COPY tsconfig.base.json tsconfig.json nx.json ./
COPY tools ./tools
COPY libs ./libs
COPY apps ./apps
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
# ffmpeg decodes the cameras: one process per camera, spawned by the app.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
# The recording ring and the evidence directory exist owned by the app user, so that a volume
# mounted there starts writable (Docker copies the image's ownership into a new volume).
RUN groupadd --system --gid 10001 xl && useradd --system --uid 10001 --gid xl --home-dir /app --shell /usr/sbin/nologin xl \
 && mkdir -p /var/lib/xueliang/recordings /var/lib/xueliang/evidence && chown -R 10001:10001 /var/lib/xueliang
WORKDIR /app
# Recording is turned on where the volumes are given (compose, Kubernetes): RECORDING_DIR=/var/lib/xueliang/recordings.
ENV NODE_ENV=production METRICS_HOST=0.0.0.0 METRICS_PORT=9101 EVIDENCE_DIR=/var/lib/xueliang/evidence
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 9101
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD ["node", "docker/healthcheck.mjs", "http://127.0.0.1:9101/healthz"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/apps/ingest/src/main.js"]
