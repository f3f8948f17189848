#!/usr/bin/env bash
# Dashboard page times on a large catalog: 100,000 backups over 1,000 databases (the API
# benchmark's fill), a real `tidemark serve` (release build) on loopback, a session signed in
# through the login form with curl, and N sequential requests per page — bounded in count.
#
#   bench/dashboard.sh [BACKUPS] [REQUESTS]      (defaults 100000 and 20)
#
# Prints p50 / p90 / max of curl's total time per page. The Databases page reads each
# database's last completed backup, so it grows with the number of databases.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
count=${1:-100000}
requests=${2:-20}
work=$(mktemp -d /tmp/tidemark-bench-ui-XXXXXX)
serve_pid=""
cleanup() { [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
swift build -c release --product tidemark >/dev/null 2>&1
swift build -c release --product tidemark-bench >/dev/null 2>&1
echo "# bench/dashboard.sh: $count backups, $requests requests per page, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
.build/release/tidemark-bench api-fill "$work/home" "$count" >/dev/null
export TIDEMARK_HOME="$work/home" TIDEMARK_PASSPHRASE=bench TIDEMARK_LOG_LEVEL=warning
token=$(.build/release/tidemark token create bench --role admin 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.build/release/tidemark serve --listen "127.0.0.1:$port" --tick-interval 5 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
site="http://127.0.0.1:$port"
jar="$work/cookies"
nonce=$(curl -s -c "$jar" "$site/ui/login" | sed -n 's/.*name="loginNonce" value="\([^"]*\)".*/\1/p')
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "loginNonce=$nonce" --data-urlencode "token=$token" "$site/ui/login"
time_page() {
    local path=$1
    for _ in $(seq "$requests"); do
        curl -s -b "$jar" -o /dev/null -w '%{http_code} %{time_total}\n' "$site$path"
    done | python3 -c '
import sys
rows = [line.split() for line in sys.stdin]
bad = [r[0] for r in rows if r[0] != "200"]
times = sorted(float(r[1]) * 1000 for r in rows)
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"{sys.argv[1]:<34} p50 {pick(0.5):7.1f} ms  p90 {pick(0.9):7.1f} ms  max {times[-1]:7.1f} ms" + (f"  non-200: {bad}" if bad else ""))
' "$path"
}
time_page /ui/databases
time_page /ui/databases/db500
time_page "/ui/databases/db500/incomplete"
time_page /ui/backups/bk0050000
time_page /ui/operations
time_page /ui/policies/default
echo "serve RSS after the runs: $(ps -o rss= -p "$serve_pid" | awk '{printf "%.0f MiB", $1/1024}')"
