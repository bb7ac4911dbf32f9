#!/usr/bin/env bash
# Makes this machine ready to run the demo and the tests: system packages, npm packages, promtool, Redis,
# model, build. (PostgreSQL and Mosquitto, which only the tests use, are started by `npm test`.)
source "$(dirname "$0")/lib.sh"
ensure_system_packages
ensure_test_packages
ensure_node_modules
ensure_promtool
ensure_redis
ensure_models
build
log "setup done"
