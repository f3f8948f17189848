#!/usr/bin/env bash
# Control-plane benchmark (SPEC §8): 10,000 databases with plans in the embedded SQLite catalog;
# times the scheduler tick (nothing due, 1/60 due, everything due at once) and the catalog
# queries the CLI, the API and the workers make. Target: tick under 100 ms.
#
#   bench/scheduler.sh [DATABASES]        (default 10000; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
count=${1:-10000}
work=$(mktemp -d /tmp/tidemark-bench-scheduler-XXXXXX)
trap 'rm -rf "$work"' EXIT
swift build -c release --product tidemark-bench >/dev/null
echo "# tidemark-bench scheduler, $count databases, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
.build/release/tidemark-bench scheduler "$work" "$count"
echo "catalog file: $(du -h "$work/catalog.sqlite" | cut -f1)"
