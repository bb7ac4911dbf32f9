#!/bin/sh
# Backs the alerts-api PostgreSQL database up: pg_dump (custom format) into BACKUP_DIR every
# BACKUP_EVERY_HOURS, each dump checked with pg_restore --list before it counts (written aside,
# then renamed) — readable, and holding the alerts table's data: a dump of the wrong database
# (PGDATABASE pointing at an empty one) must not rotate the good ones out — the BACKUP_KEEP newest
# kept. A failed one is tried again after RETRY_MINUTES (default 15), not a whole interval later. Connection from the PG* environment (PGHOST,
# PGUSER, PGPASSWORD, PGDATABASE). `postgres-backup.sh once` takes one and exits (tests, cron).
# Restore: into an empty database, pg_restore --no-owner --dbname=… FILE (docs/deployment.md, Backups).
set -eu
dir=${BACKUP_DIR:-/backups}
every=${BACKUP_EVERY_HOURS:-24}
keep=${BACKUP_KEEP:-7}
retry=${RETRY_MINUTES:-15}
for setting in "BACKUP_EVERY_HOURS=$every" "BACKUP_KEEP=$keep" "RETRY_MINUTES=$retry"; do
  case ${setting#*=} in
    '' | *[!0-9]* | 0) echo "postgres-backup: $setting must be a whole number of at least 1" >&2; exit 2 ;;
  esac
done

# docker stop sends SIGTERM to this shell (PID 1): leave no half-written dump behind, exit at once.
trap 'rm -f "$dir"/xueliang-*.partial "$dir"/xueliang-*.partial.list; exit 0' TERM INT

backup_once() {
  mkdir -p "$dir"
  rm -f "$dir"/xueliang-*.partial "$dir"/xueliang-*.partial.list # a run killed mid-dump (SIGKILL) left them
  name="xueliang-$(date -u +%Y%m%dT%H%M%S%3NZ).dump"
  if pg_dump --format=custom --file="$dir/$name.partial" && pg_restore --list "$dir/$name.partial" > "$dir/$name.partial.list"; then
    if ! grep -q 'TABLE DATA public alerts ' "$dir/$name.partial.list"; then
      rm -f "$dir/$name.partial" "$dir/$name.partial.list"
      echo "postgres-backup: the dump of ${PGDATABASE:-?} holds no alerts table: the wrong database? (PGDATABASE); kept the earlier dumps" >&2
      return 1
    fi
    rm -f "$dir/$name.partial.list"
    mv "$dir/$name.partial" "$dir/$name"
  else
    rm -f "$dir/$name.partial" "$dir/$name.partial.list"
    echo "postgres-backup: backup of ${PGDATABASE:-?} failed" >&2
    return 1
  fi
  # The newest $keep stay (names sort by time).
  ls -1 "$dir" | grep -E '^xueliang-[0-9]{8}T[0-9]{9}Z\.dump$' | sort | head -n "-$keep" | while read -r old; do rm -f "$dir/$old"; done
  echo "postgres-backup: $name ($(wc -c < "$dir/$name") bytes)"
}

if [ "${1:-}" = once ]; then
  backup_once
  exit
fi
while :; do
  if backup_once; then pause=$((every * 3600)); else pause=$((retry * 60)); fi
  sleep "$pause" &
  wait $! # a trap runs as soon as the signal comes, not when a foreground sleep ends
done
