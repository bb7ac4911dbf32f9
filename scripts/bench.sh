#!/usr/bin/env bash
# `npm run bench -- NAME [args]`: runs bench/NAME.ts after setting the machine up.
source "$(dirname "$0")/lib.sh"
name="${1:-}"
if [ -z "$name" ] || [ ! -f "$ROOT/bench/$name.ts" ]; then
  log "usage: npm run bench -- <$(cd "$ROOT/bench" && ls *.ts 2>/dev/null | sed 's/\.ts$//' | paste -sd '|')> [args]"
  exit 2
fi
shift
ensure_system_packages
ensure_node_modules
ensure_redis
ensure_models
build
exec node --enable-source-maps "$ROOT/dist/bench/$name.js" "$@"
