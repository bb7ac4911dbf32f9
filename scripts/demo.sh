#!/usr/bin/env bash
# `npm run demo`: sets the machine up (idempotent), then starts simulated cameras and the pipeline.
source "$(dirname "$0")/lib.sh"
ensure_system_packages
ensure_node_modules
ensure_redis
ensure_models
build
exec node --enable-source-maps "$ROOT/dist/apps/demo/src/main.js" "$@"
