#!/usr/bin/env bash
# S3 benchmark (issue 3). Not a test: run by hand.
#
#   bench/s3.sh [OBJECT_MIB] [ORDERS_ROWS]        (defaults 1024 and 1000000)
#
# Starts moto's S3 server on loopback and measures, side by side in one run:
#   1. one OBJECT_MIB object up and down: `aws s3 cp` (default settings: 8 MiB parts, 10 in
#      flight; downloads in ranged parts) vs `tidemark-bench` (our client: 8 MiB parts, 4 in
#      flight; downloads in one GET), plus `aws s3 cp` with a multipart threshold above the
#      object size (one PUT / one GET), two rounds each, alternating who goes first;
#   2. a full backup and restore of a realistic database to S3 vs to a local directory.
# Prints a Markdown table; copy it into bench/RESULTS.md with the date and the command.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
object_mib=${1:-1024}
orders=${2:-1000000}
scripts/install-dependencies.sh
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
command -v aws >/dev/null || python3 -m pip install -q awscli
swift build -c release --product tidemark >/dev/null
swift build -c release --product tidemark-bench >/dev/null
tidemark=$PWD/.build/release/tidemark
bench=$PWD/.build/release/tidemark-bench
source bench/lib.sh

moto_port=$(free_port)
python3 scripts/moto-server.py -H 127.0.0.1 -p "$moto_port" > "$work/moto.log" 2>&1 &
moto_pid=$!
disown "$moto_pid"
cleanup_hooks+=("kill -9 $moto_pid")
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_DEFAULT_REGION=us-east-1
export BENCH_S3_ENDPOINT=http://127.0.0.1:$moto_port BENCH_S3_BUCKET=bench
printf '[default]\ns3 =\n    multipart_threshold = 64GB\n' > "$work/aws-single.cfg"
# Arrays, not functions: /usr/bin/time runs programs.
aws_cli=(aws --endpoint-url "$BENCH_S3_ENDPOINT")
aws_single=(env "AWS_CONFIG_FILE=$work/aws-single.cfg" aws --endpoint-url "$BENCH_S3_ENDPOINT")
"${aws_cli[@]}" s3 mb s3://bench >/dev/null

echo "writing a ${object_mib} MiB object of random bytes…" >&2
head -c "$((object_mib << 20))" /dev/urandom > "$work/object"
transfer_round() { # round, first tool
    local round=$1 first=$2
    local tools=(aws tidemark aws_single)
    [[ $first == tidemark ]] && tools=(tidemark aws aws_single)
    for tool in "${tools[@]}"; do
        case $tool in
        aws) timeit "aws_upload_$round" "${aws_cli[@]}" s3 cp --quiet "$work/object" s3://bench/aws-object ;;
        aws_single) timeit "aws_single_put_upload_$round" "${aws_single[@]}" s3 cp --quiet "$work/object" s3://bench/aws-single ;;
        tidemark) timeit "tidemark_upload_$round" "$bench" s3-put "$work/object" tidemark-object ;;
        esac
    done
    for tool in "${tools[@]}"; do
        case $tool in
        aws) timeit "aws_download_$round" "${aws_cli[@]}" s3 cp --quiet s3://bench/aws-object "$work/out" ;;
        aws_single) timeit "aws_single_get_download_$round" "${aws_single[@]}" s3 cp --quiet s3://bench/aws-single "$work/out" ;;
        tidemark) timeit "tidemark_download_$round" "$bench" s3-get tidemark-object "$work/out" ;;
        esac
        cmp -s "$work/object" "$work/out" || { echo "$tool download differs from the upload" >&2; exit 1; }
        rm -f "$work/out"
    done
    for key in aws-object aws-single tidemark-object; do "${aws_cli[@]}" s3 rm --quiet "s3://bench/$key"; done
}
transfer_round 1 aws
transfer_round 2 tidemark
rm -f "$work/object"

start_postgres
generate_orders "$orders"
db_size=$(psql -d bench -At -c "SELECT pg_size_pretty(pg_database_size('bench'))")
export TIDEMARK_HOME=$work/home TIDEMARK_PASSPHRASE=bench-passphrase TIDEMARK_S3_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
"$tidemark" storage add local1 --local "$work/repo" >/dev/null
"$tidemark" storage add s3 --s3 --endpoint "$BENCH_S3_ENDPOINT" --bucket bench --prefix backups --path-style --access-key-id "$AWS_ACCESS_KEY_ID" >/dev/null
"$tidemark" db add bench --url "postgres://postgres:benchpw@127.0.0.1:$PGPORT/bench" >/dev/null
timeit backup_local "$tidemark" backup create bench --storage local1 --output json
timeit backup_s3 "$tidemark" backup create bench --storage s3 --output json
local_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/stdout.backup_local")
s3_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/stdout.backup_s3")
stored=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["storedBytes"])' "$work/stdout.backup_s3")
timeit restore_local "$tidemark" restore "$local_id" --to restored_local --output json
timeit restore_s3 "$tidemark" restore "$s3_id" --to restored_s3 --output json
check_local=$(psql -d restored_local -At -c "SELECT count(*) FROM orders")
check_s3=$(psql -d restored_s3 -At -c "SELECT count(*) FROM orders")

awk -v mib="$object_mib" -v db="$db_size" -v rows="$orders" -v stored="$stored" -v cl="$check_local" -v cs="$check_s3" '
function best(prefix,   b, key) { b = ""; for (key in t) if (index(key, prefix) == 1 && (b == "" || t[key] < b)) b = t[key]; return b }
function peak(prefix,   p, key) { p = 0; for (key in m) if (index(key, prefix) == 1 && m[key] > p) p = m[key]; return p }
{ t[$1] = $2; m[$1] = $3 }
END {
  printf "| %d MiB object (best of 2) | seconds | MB/s | peak RSS (MiB) |\n|---|---:|---:|---:|\n", mib
  n = split("aws_upload_ aws_single_put_upload_ tidemark_upload_ aws_download_ aws_single_get_download_ tidemark_download_", k, " ")
  for (i = 1; i <= n; i++) { s = best(k[i]); printf "| %s | %.1f | %.0f | %.0f |\n", substr(k[i], 1, length(k[i]) - 1), s, mib * 1.048576 / s, peak(k[i]) / 1024 }
  printf "\n- upload: tidemark %.2fx the time of aws s3 cp (multipart), %.2fx of aws single PUT\n", best("tidemark_upload_") / best("aws_upload_"), best("tidemark_upload_") / best("aws_single_put_upload_")
  printf "- download: tidemark %.2fx the time of aws s3 cp (ranged parts), %.2fx of aws single GET\n\n", best("tidemark_download_") / best("aws_download_"), best("tidemark_download_") / best("aws_single_get_download_")
  printf "| database %s, %d orders | seconds | peak RSS (MiB) |\n|---|---:|---:|\n", db, rows
  n = split("backup_local backup_s3 restore_local restore_s3", k, " ")
  for (i = 1; i <= n; i++) printf "| %s | %.1f | %.0f |\n", k[i], t[k[i]], m[k[i]] / 1024
  printf "\n- backup to S3 %.2fx the time to a local directory; restore from S3 %.2fx; stored %.1f MiB; restored rows %s (local) / %s (S3)\n", t["backup_s3"] / t["backup_local"], t["restore_s3"] / t["restore_local"], stored / 2^20, cl, cs
}' "$work/results"
