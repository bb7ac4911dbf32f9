# syntax=docker/dockerfile:1
# Analyzer worker: frames → ONNX detector → tracker → rules → alerts queue. Build from the repository root:
#   docker build -f docker/analyzer.Dockerfile -t xueliang/analyzer .
# The model weights are fetched at build time (sha256-verified) and baked into the image, so a pod
# needs no network and every replica runs the same weights. Offline build, weights from a directory:
#   docker buildx build --build-context model-weights=../shared/models -f docker/analyzer.Dockerfile .
# GPU (onnxruntime's CUDA execution provider; run with EXECUTION_PROVIDER=cuda):
#   --build-arg ORT_INSTALL=cuda12 --build-arg RUNTIME_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=node:20-bookworm-slim

# Empty unless replaced by --build-context model-weights=DIR.
FROM scratch AS model-weights

FROM ${NODE_IMAGE} AS models
WORKDIR /models
COPY models/fetch.mjs models/*.json ./
COPY --from=model-weights . /weights/
# Copies from /weights when the file is there, else downloads the manifest's source URL; verifies either way.
RUN XL_MODELS_DIR=/weights node fetch.mjs

FROM ${NODE_IMAGE} AS build
ARG ORT_INSTALL=skip
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit
COPY tsconfig.base.json tsconfig.json nx.json ./
COPY tools ./tools
COPY libs ./libs
COPY apps ./apps
RUN npm run build && npm prune --omit=dev
# cuda12: onnxruntime-node's own script adds the CUDA provider libraries (from its NuGet feed).
RUN if [ "$ORT_INSTALL" != skip ]; then cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL="$ORT_INSTALL" node script/install.js; fi

FROM ${RUNTIME_IMAGE} AS runtime
# The CUDA base image has no Node: the same binary as the build stage's.
COPY --from=build /usr/local/bin/node /usr/local/bin/node
# Fonts for the text sharp draws on snapshots (box labels; camera names, often Chinese, in the caption).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 xl && useradd --system --uid 10001 --gid xl --home-dir /app --shell /usr/sbin/nologin xl \
 && mkdir -p /var/lib/xueliang/snapshots && chown -R 10001:10001 /var/lib/xueliang
WORKDIR /app
# TZ: local time for whoever works in the container; snapshot captions use each camera's own `timezone` (Node's ICU carries the zone data).
ENV TZ=Asia/Shanghai NODE_ENV=production METRICS_HOST=0.0.0.0 METRICS_PORT=9102 MODELS_DIR=/app/models SNAPSHOT_DIR=/var/lib/xueliang/snapshots
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=models /models ./models
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
USER 10001:10001
EXPOSE 9102
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s CMD ["node", "docker/healthcheck.mjs", "http://127.0.0.1:9102/healthz"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/apps/analyzer/src/main.js"]
