#!/usr/bin/env bash
# `npm test`: sets the machine up (idempotent), then lint, typecheck and the whole jest suite
# (unit + integration against real Redis, ffmpeg and the RTSP camera simulator).
source "$(dirname "$0")/lib.sh"
ensure_system_packages
ensure_test_packages
ensure_node_modules
ensure_promtool
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
mkdir -p "$ROOT/var"
status=0
npx jest --ci --json --outputFile="$ROOT/var/jest-results.json" "$@" || status=$?
# One plain closing line for CI: "N passed, N failed".
node -e '
  const r = require(process.argv[1]);
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$ROOT/var/jest-results.json" || true
exit "$status"
