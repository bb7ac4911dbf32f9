#!/usr/bin/env bash
# Makes this machine ready to run the demo and the tests: system packages, npm packages, Redis, model, build.
source "$(dirname "$0")/lib.sh"
ensure_system_packages
ensure_node_modules
ensure_redis
ensure_models
build
log "setup done"
