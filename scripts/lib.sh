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

os_id() { (. /etc/os-release 2>/dev/null && echo "${ID:-unknown}") || echo unknown; }

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
  check_ffmpeg_version
}

# ffmpeg before 5 reads `-timeout` on an RTSP input as "listen for the camera to connect" (5 renamed
# that to -listen_timeout and made -timeout the socket I/O timeout every reader here relies on):
# with an older one ingest, recording and live view would all wait for cameras that never call.
check_ffmpeg_version() {
  local version major
  version=$(ffmpeg -hide_banner -version 2>/dev/null | sed -n '1s/^ffmpeg version n\{0,1\}\([0-9][0-9.]*\).*/\1/p')
  major=${version%%.*}
  if [ -n "$major" ] && [ "$major" -lt 5 ]; then
    log "ffmpeg $version is too old: ingest needs ffmpeg 5 or later (Debian 12, Ubuntu 24.04); before 5, -timeout on an RTSP input means listen mode"
    return 1
  fi
}

# For the tests only: chromium for the console's browser tests (driven by playwright-core, which never
# downloads a browser); docker-compose to check docker/ without a Docker engine; faketime for the test
# of an ingest host whose clock is off. Debian ships chromium as a package; Ubuntu only as a snap
# behind a `chromium-browser` wrapper, which needs snapd — there, an installed one is used (or
# XL_CHROMIUM), and without one the browser tests are skipped outside CI (they fail in CI).
# Checked where the tests look (test/deploy/compose.int.spec.ts, test/faults/clock-skew.int.spec.ts,
# test/console/console.int.spec.ts), not anywhere on PATH: Docker's own docker-compose (v2, another
# `config` output) in /usr/local/bin, or a chromium elsewhere, left the tests without theirs.
ensure_test_packages() {
  local missing=()
  [ -x /usr/bin/docker-compose ] || missing+=(docker-compose)
  compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || [ -f /usr/lib/faketime/libfaketime.so.1 ] || missing+=(faketime)
  if [ -z "${XL_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ] && [ "$(os_id)" != debian ] && command -v chromium >/dev/null; then
    export XL_CHROMIUM="$(command -v chromium)"
    log "browser tests: using $XL_CHROMIUM"
  fi
  if [ -z "${XL_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
    if [ "$(os_id)" = debian ]; then
      missing+=(chromium fonts-noto-cjk)
    else
      local found
      found=$(command -v chromium-browser || command -v google-chrome || command -v /snap/bin/chromium || true)
      if [ -n "$found" ]; then export XL_CHROMIUM="$found"; log "browser tests: using $found"; else
        log "no Chromium on this $(os_id) machine: the console's browser tests need one (snap install chromium, or XL_CHROMIUM=/path/to/chrome)"
      fi
      command -v fc-list >/dev/null && fc-list 2>/dev/null | grep -qi 'noto.*cjk' || missing+=(fonts-noto-cjk)
    fi
  fi
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# promtool, to check and unit-test docker/prometheus/alerts.yml: unpacked from Debian's prometheus
# package into var/tools, never installed (installing it would start a Prometheus server).
ensure_promtool() {
  local dir="$ROOT/var/tools/prometheus"
  [ -x "$dir/usr/bin/promtool" ] && return 0
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1); then
    [ "$APT_UPDATED" = 0 ] && { log "apt-get update"; as_root apt-get update -qq; APT_UPDATED=1; }
    (cd "$tmp" && apt-get download prometheus >/dev/null)
  fi
  log "promtool: unpacked from $(basename "$tmp"/prometheus_*.deb)"
  mkdir -p "$dir"
  dpkg -x "$tmp"/prometheus_*.deb "$dir"
  rm -rf "$tmp"
}

# better-sqlite3 downloads a prebuilt binary from GitHub, and builds from source when it cannot (a
# machine that reaches only the npm registry and Debian's mirrors): that needs make, a C++ compiler,
# Python, and Node's headers — taken from this Node's own installation, as nodejs.org is out of reach too.
ensure_native_build_tools() {
  local missing=()
  command -v make >/dev/null || missing+=(make)
  command -v g++ >/dev/null || missing+=(g++)
  command -v python3 >/dev/null || missing+=(python3)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  local prefix
  prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$prefix/include/node/node_version.h" ]; then export npm_config_nodedir="$prefix"; fi
}

# vite 8 (the console's build) needs Node 20.19 or later; an older 20.x fails deep in the build.
check_node_version() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' || {
    log "Node $(node --version) is too old: 20.19 or later is needed (the console's build, vite 8)"
    return 1
  }
}

ensure_node_modules() {
  check_node_version
  local stamp="$ROOT/node_modules/.xl-installed"
  if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
    ensure_native_build_tools
    log "npm ci"
    # onnxruntime-node: CPU binaries are bundled; its script would only download CUDA files (offline: fails).
    (cd "$ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit >/dev/null)
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

# Every frame is taken with GETDEL, which Redis has since 6.2 (Ubuntu 22.04 ships 6.0).
check_redis_version() {
  local version
  version=$(node -e '
    const net = require("node:net"); const u = new URL(process.argv[1]);
    const s = net.connect(Number(u.port || 6379), u.hostname || "127.0.0.1");
    s.setTimeout(1000, () => process.exit(0)); s.on("error", () => process.exit(0));
    let text = ""; s.on("connect", () => s.write("INFO server\r\n"));
    s.on("data", (d) => { text += d; const m = /redis_version:(\S+)/.exec(text); if (m) { console.log(m[1]); process.exit(0); } });
  ' "$REDIS_URL")
  [ -z "$version" ] && return 0 # unknown (a password, a proxy): the tests will tell
  if [ "$(printf '%s\n6.2\n' "$version" | sort -V | head -1)" != 6.2 ]; then
    log "Redis $version at $REDIS_URL is too old: the pipeline needs 6.2 or later (GETDEL)"
    return 1
  fi
}

# Starts a local Redis when nothing answers on REDIS_URL (only for a loopback URL).
ensure_redis() {
  redis_answers && { check_redis_version; return; }
  local host port
  host=$(node -e 'console.log(new URL(process.argv[1]).hostname)' "$REDIS_URL")
  port=$(node -e 'console.log(new URL(process.argv[1]).port || 6379)' "$REDIS_URL")
  case "$host" in 127.0.0.1|localhost|::1|'[::1]') ;; *) log "Redis at $REDIS_URL does not answer"; return 1 ;; esac
  log "starting redis-server on port $port"
  mkdir -p "$ROOT/var/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$ROOT/var/redis" --logfile "$ROOT/var/redis/redis.log"
  for _ in $(seq 1 50); do redis_answers && { check_redis_version; return; }; sleep 0.1; done
  log "redis-server did not answer on $REDIS_URL"; return 1
}

# The model: copied from ../shared/models when present, else downloaded; sha256 verified either way.
ensure_models() {
  if [ -z "${XL_MODELS_DIR:-}" ] && [ -d "$XL_SHARED_DIR/models" ]; then export XL_MODELS_DIR="$XL_SHARED_DIR/models"; fi
  (cd "$ROOT" && node models/fetch.mjs)
}

port_answers() { # host port
  node -e 'const s=require("node:net").connect(Number(process.argv[2]),process.argv[1]);s.setTimeout(1000,()=>process.exit(1));s.on("error",()=>process.exit(1));s.on("connect",()=>process.exit(0))' "$1" "$2"
}

# The API's tests run against PostgreSQL too (127.0.0.1:5432, or $XL_TEST_POSTGRES_URL). Machines of
# this project run one with trust auth; a fresh machine gets Debian's, with a password set for the
# postgres role (its pg_hba.conf is left as Debian ships it: scram-sha-256 over TCP). The URL carries
# that password on every run, not only the first — a trust server ignores it.
TEST_POSTGRES_URL='postgres://postgres:postgres@127.0.0.1:5432/postgres'
ensure_postgres() {
  [ -n "${XL_TEST_POSTGRES_URL:-}" ] && return 0
  port_answers 127.0.0.1 5432 && { export XL_TEST_POSTGRES_URL="$TEST_POSTGRES_URL"; return 0; }
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster "$version" main start
  for _ in $(seq 1 50); do port_answers 127.0.0.1 5432 && break; sleep 0.2; done
  as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  export XL_TEST_POSTGRES_URL="$TEST_POSTGRES_URL"
}

# MQTT delivery is tested against a real broker (127.0.0.1:1883, or $XL_TEST_MQTT_URL).
ensure_mosquitto() {
  [ -n "${XL_TEST_MQTT_URL:-}" ] && return 0
  port_answers 127.0.0.1 1883 && return 0
  command -v mosquitto >/dev/null || apt_install mosquitto
  log "starting mosquitto"
  # Debian's config writes a pid file under /run/mosquitto, which only its systemd unit creates: without
  # systemd (a container, WSL, after a reboot of either) `mosquitto -d` returns 0 and nothing listens.
  if id mosquitto >/dev/null 2>&1; then as_root install -d -o mosquitto -g mosquitto /run/mosquitto; else as_root mkdir -p /run/mosquitto; fi
  as_root mosquitto -d -c /etc/mosquitto/mosquitto.conf
  for _ in $(seq 1 50); do port_answers 127.0.0.1 1883 && return 0; sleep 0.1; done
  log "mosquitto did not start"; return 1
}

build() { (cd "$ROOT" && node tools/build.mjs); }
