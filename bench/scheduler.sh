#!/usr/bin/env bash
# Control-plane benchmark (SPEC §8): 10,000 databases with plans (and 30 backups each) in the
# embedded SQLite catalog; times the scheduler tick (nothing due, 1/60 due, everything due at
# once) and the catalog queries the CLI, the API and the workers make. Target: tick < 100 ms.
#
#   bench/scheduler.sh [DATABASES]        (default 10000; release build)
#
# The catalog is filled on tmpfs (310,000 single-row durable commits would take many minutes
# of fsync on disk), then copied to disk, where every timed step runs with its fsyncs.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
count=${1:-10000}
fill=$(mktemp -d /dev/shm/tidemark-bench-fill-XXXXXX)
work=$(mktemp -d /tmp/tidemark-bench-scheduler-XXXXXX)
trap 'rm -rf "$work" "$fill"' EXIT
swift build -c release --product tidemark-bench >/dev/null 2>&1
echo "# tidemark-bench scheduler, $count databases, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
.build/release/tidemark-bench scheduler-fill "$fill" "$count"
cp "$fill"/catalog.sqlite* "$work"/
sync
echo "catalog file on disk: $(du -h "$work/catalog.sqlite" | cut -f1)"
.build/release/tidemark-bench scheduler "$work" "$count"
