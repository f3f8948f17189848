#!/usr/bin/env bash
# API latency while a backup runs in the same `serve` (issue 15, item 7). Not a test: run by hand.
#
#   bench/api-during-backup.sh [SIZE_GB]                       (default 1)
#   BEFORE=/path/to/older/tidemark bench/api-during-backup.sh   (an older build, side by side)
#
# Starts a throwaway PostgreSQL with SIZE_GB of generated data (bench/lib.sh generate_orders),
# then for each binary (BEFORE if given, then this tree's release build), two rounds
# alternating: a fresh home and storage, `tidemark serve`, and wrk (1 thread, 4 connections,
# 5 s) against GET /api/v1/backups?limit=50 — once idle, once while a backup queued through the
# API is dumping. Prints p50/p99 per run and whether the backup was still running when wrk
# ended (a run where it was not measured too little of the backup).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
size_gb=${1:-1}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product tidemark >/dev/null 2>&1
source bench/lib.sh
start_postgres
generate_orders $((size_gb * 4200000))
binaries=("after=$PWD/.build/release/tidemark")
[[ -n "${BEFORE:-}" ]] && binaries=("before=$BEFORE" "${binaries[@]}")
serve_pid=""
stop_serve() {
    if [[ -n "$serve_pid" ]]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
    serve_pid=""
}
cleanup_hooks+=("stop_serve")
latency() { # url token → "p50 p99 requests/s"
    wrk -t1 -c4 -d5s --latency -H "Authorization: Bearer $2" "$1" |
        awk '/^ +50%/{p50=$2} /^ +99%/{p99=$2} /Requests\/sec/{rps=$2} END{print p50, p99, rps}'
}
echo "# bench/api-during-backup.sh $size_gb GB, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "| build | round | idle p50 / p99 | during backup p50 / p99 | req/s idle / during | backup still running at the end | backup seconds |"
echo "|---|---:|---|---|---|---|---:|"
for round in 1 2; do
    for entry in "${binaries[@]}"; do
        label=${entry%%=*}
        binary=${entry#*=}
        export TIDEMARK_HOME="$work/home-$label-$round" TIDEMARK_PASSPHRASE=bench TIDEMARK_LOG_LEVEL=warning
        "$binary" storage add local1 --local "$work/repo-$label-$round" >/dev/null
        "$binary" db add bench --url "postgres://postgres:benchpw@127.0.0.1:$port/bench" --no-plan >/dev/null
        token=$("$binary" token create bench --role admin 2>/dev/null)
        api_port=$(free_port)
        "$binary" serve --listen "127.0.0.1:$api_port" --tick-interval 5 2>"$work/serve-$label-$round.log" &
        serve_pid=$!
        for _ in $(seq 100); do curl -sf "http://127.0.0.1:$api_port/healthz" >/dev/null && break; sleep 0.1; done
        api="http://127.0.0.1:$api_port/api/v1"
        sleep 2 # serve's start-up work (retention, prune) done
        idle=$(latency "$api/backups?limit=50" "$token")
        operation=$(curl -sf -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
            -d '{"database":"bench"}' "$api/backups" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
        for _ in $(seq 300); do
            step=$(curl -sf -H "Authorization: Bearer $token" "$api/operations/$operation" | python3 -c 'import json,sys; print(json.load(sys.stdin)["step"])')
            [[ "$step" == "dumping" ]] && break
            sleep 0.05
        done
        busy=$(latency "$api/backups?limit=50" "$token")
        status=$(curl -sf -H "Authorization: Bearer $token" "$api/operations/$operation" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
        for _ in $(seq 600); do
            final=$(curl -sf -H "Authorization: Bearer $token" "$api/operations/$operation" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
            [[ "$final" == "completed" || "$final" == "failed" ]] && break
            sleep 0.2
        done
        took=$(curl -sf -H "Authorization: Bearer $token" "$api/operations/$operation" | python3 -c '
import json, sys
from datetime import datetime
o = json.load(sys.stdin)
parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))
done = o.get("finishedAt") and o.get("startedAt")
print("%.1f" % (parse(o["finishedAt"]) - parse(o["startedAt"])).total_seconds() if done else "?")')
        stop_serve
        read -r i50 i99 irps <<<"$idle"
        read -r b50 b99 brps <<<"$busy"
        echo "| $label | $round | $i50 / $i99 | $b50 / $b99 | $irps / $brps | $([[ $status == running ]] && echo yes || echo "no ($status)"); backup $final | $took |"
    done
done
