#!/usr/bin/env bash
# API benchmark (SPEC §8: API list pages under 50 ms at p99): 100,000 backups over 1,000
# databases in the embedded catalog, a real `tidemark serve` (release build) on loopback, and
# wrk (Debian) as the load: 2 threads, 8 connections, 20 s per URL — bounded in count and time.
#
#   bench/api.sh [BACKUPS]        (default 100000)
#   WRK_THREADS=1 WRK_CONNECTIONS=4 bench/api.sh   (a lighter load; wrk shares the machine's cores)
#
# Times the first page of GET /api/v1/backups (50 items, with expiry), a page filtered by
# database, a deep page (cursor near the end) and GET /healthz as the server's floor.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
count=${1:-100000}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fill=$(mktemp -d /dev/shm/tidemark-bench-api-XXXXXX)
work=$(mktemp -d /tmp/tidemark-bench-api-XXXXXX)
serve_pid=""
cleanup() { [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null; rm -rf "$work" "$fill"; }
trap cleanup EXIT
swift build -c release --product tidemark >/dev/null 2>&1
swift build -c release --product tidemark-bench >/dev/null 2>&1
echo "# bench/api.sh: $count backups, $(nproc) cores, wrk -t${WRK_THREADS:-2} -c${WRK_CONNECTIONS:-8}, $(date -u +%Y-%m-%dT%H:%MZ)"
.build/release/tidemark-bench api-fill "$fill/home" "$count"
cp -r "$fill/home" "$work/home"
sync
export TIDEMARK_HOME="$work/home" TIDEMARK_PASSPHRASE=bench TIDEMARK_LOG_LEVEL=warning
token=$(.build/release/tidemark token create bench --role viewer 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.build/release/tidemark serve --listen "127.0.0.1:$port" --tick-interval 5 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
api="http://127.0.0.1:$port/api/v1"
deep=$(curl -sf -H "Authorization: Bearer $token" "$api/backups?limit=500&cursor=$(
    python3 - "$count" <<'PY'
import base64, sys
# The cursor of a backup near the end of the list (same encoding as ListCursor.token).
n = int(sys.argv[1]) - 600
text = f"{1795000000 - n * 300}.0|bk{n:07d}"
print(base64.urlsafe_b64encode(text.encode()).decode().rstrip("="))
PY
)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["nextCursor"])')
run() {
    local label=$1 url=$2
    echo "## $label"
    echo "GET ${url#http://127.0.0.1:$port}"
    wrk -t"${WRK_THREADS:-2}" -c"${WRK_CONNECTIONS:-8}" -d20s --latency -H "Authorization: Bearer $token" "$url" | grep -E "Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors" || true
}
run "backup list, first page (50)" "$api/backups?limit=50"
run "backup list, one database (50)" "$api/backups?database=db500&limit=50"
run "backup list, deep page (50)" "$api/backups?limit=50&cursor=$deep"
run "healthz (floor)" "http://127.0.0.1:$port/healthz"
echo "serve RSS after the runs: $(ps -o rss= -p "$serve_pid" | awk '{printf "%.0f MiB", $1/1024}')"
