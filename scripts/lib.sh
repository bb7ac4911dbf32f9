# Shared by setup.sh, test.sh, demo.sh, bench.sh: idempotent steps that make a fresh Debian/Ubuntu
# machine (Node 20) ready. Each step checks first and only installs what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export XL_SHARED_DIR="${XL_SHARED_DIR:-$(cd "$ROOT/.." && pwd)/shared}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

log() { printf '\033[1;34m[xl]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ffmpeg for ingest; GStreamer's RTSP server (driven by Debian's python3-gi) for the camera simulator;
# redis-server so that a machine without Redis can start one.
ensure_system_packages() {
  local missing=()
  command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing+=(ffmpeg)
  if ! /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer' 2>/dev/null; then
    missing+=(python3 python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-rtsp)
  fi
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
}

ensure_node_modules() {
  local stamp="$ROOT/node_modules/.xl-installed"
  if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
    log "npm ci"
    (cd "$ROOT" && npm ci --no-fund --no-audit >/dev/null)
    touch "$stamp"
  fi
}

redis_answers() {
  node -e '
    const net = require("node:net"); const u = new URL(process.argv[1]);
    const s = net.connect(Number(u.port || 6379), u.hostname || "127.0.0.1");
    s.setTimeout(1000, () => process.exit(1)); s.on("error", () => process.exit(1));
    s.on("connect", () => s.write("PING\r\n")); s.on("data", (d) => process.exit(String(d).includes("PONG") || String(d).includes("NOAUTH") ? 0 : 1));
  ' "$REDIS_URL"
}

# Starts a local Redis when nothing answers on REDIS_URL (only for a loopback URL).
ensure_redis() {
  redis_answers && return 0
  local host port
  host=$(node -e 'console.log(new URL(process.argv[1]).hostname)' "$REDIS_URL")
  port=$(node -e 'console.log(new URL(process.argv[1]).port || 6379)' "$REDIS_URL")
  case "$host" in 127.0.0.1|localhost|::1|'[::1]') ;; *) log "Redis at $REDIS_URL does not answer"; return 1 ;; esac
  log "starting redis-server on port $port"
  mkdir -p "$ROOT/var/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$ROOT/var/redis" --logfile "$ROOT/var/redis/redis.log"
  for _ in $(seq 1 50); do redis_answers && return 0; sleep 0.1; done
  log "redis-server did not answer on $REDIS_URL"; return 1
}

# The model: copied from ../shared/models when present, else downloaded; sha256 verified either way.
ensure_models() {
  if [ -z "${XL_MODELS_DIR:-}" ] && [ -d "$XL_SHARED_DIR/models" ]; then export XL_MODELS_DIR="$XL_SHARED_DIR/models"; fi
  (cd "$ROOT" && node models/fetch.mjs)
}

build() { (cd "$ROOT" && node tools/build.mjs); }
