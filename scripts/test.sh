#!/usr/bin/env bash
# `npm test`: sets the machine up (idempotent), then lint, typecheck and the whole jest suite
# (unit + integration against real Redis, ffmpeg and the RTSP camera simulator).
source "$(dirname "$0")/lib.sh"
ensure_system_packages
ensure_node_modules
ensure_redis
ensure_postgres
ensure_mosquitto
ensure_models
build
cd "$ROOT"
log "lint"
npm run -s lint
log "typecheck"
npm run -s typecheck
log "jest"
npx jest --ci "$@"
