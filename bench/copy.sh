#!/usr/bin/env bash
# Copies to a second storage (issue 19). Not a test: run by hand.
#
#   bench/copy.sh [ORDERS_ROWS]        (default 1000000)
#
# A realistic database backed up to a local directory, then copied to S3 (moto on loopback)
# twice over: into a storage added with --copy-of (sealed chunks move as they are) and into an
# unrelated one (streams cut again), side by side with `aws s3 sync` of the whole repository
# directory (the usual way to get a second region). Then a realistic change, a second backup and
# the same three again: what each sends should be about what the second backup stored.
# Prints a Markdown table; copy it into bench/RESULTS.md with the date and the command.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
rows=${1:-1000000}
scripts/install-dependencies.sh
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
command -v aws >/dev/null || python3 -m pip install -q awscli
swift build -c release --product tidemark >/dev/null
tidemark=$PWD/.build/release/tidemark
source bench/lib.sh

moto_port=$(free_port)
python3 scripts/moto-server.py -H 127.0.0.1 -p "$moto_port" > "$work/moto.log" 2>&1 &
moto_pid=$!
disown "$moto_pid"
cleanup_hooks+=("kill -9 $moto_pid")
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_DEFAULT_REGION=us-east-1
endpoint=http://127.0.0.1:$moto_port
aws_cli=(aws --endpoint-url "$endpoint")
"${aws_cli[@]}" s3 mb s3://bench >/dev/null

start_postgres
generate_orders "$rows"
export TIDEMARK_HOME=$work/home TIDEMARK_PASSPHRASE=bench-passphrase TIDEMARK_S3_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
s3=(--s3 --endpoint "$endpoint" --bucket bench --path-style --access-key-id "$AWS_ACCESS_KEY_ID")
"$tidemark" storage add local1 --local "$work/repo" >/dev/null
"$tidemark" storage add shared "${s3[@]}" --prefix shared --copy-of local1 >/dev/null
"$tidemark" storage add other "${s3[@]}" --prefix other >/dev/null
"$tidemark" db add bench --url "postgres://postgres:benchpw@127.0.0.1:$PGPORT/bench" --no-plan >/dev/null

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/stdout.$1" "$2"; }
s3_bytes() { { "${aws_cli[@]}" s3 ls --recursive --summarize "s3://bench/$1/" 2>/dev/null || true; } | awk '/Total Size/ {s = $3} END {print s + 0}'; }
round() { # round number
    local n=$1
    timeit "backup_$n" "$tidemark" backup create bench --storage local1 --output json
    local id; id=$(field "backup_$n" id)
    echo "backup_stored_$n $(field "backup_$n" storedBytes) 0" >> "$work/results"
    timeit "copy_shared_$n" "$tidemark" backup copy "$id" --to shared --output json
    echo "copy_shared_sent_$n $(field "copy_shared_$n" storedBytes) 0" >> "$work/results"
    timeit "copy_other_$n" "$tidemark" backup copy "$id" --to other --output json
    echo "copy_other_sent_$n $(field "copy_other_$n" storedBytes) 0" >> "$work/results"
    local before; before=$(s3_bytes sync)
    timeit "aws_sync_$n" "${aws_cli[@]}" s3 sync --quiet "$work/repo" s3://bench/sync
    echo "aws_sync_sent_$n $(( $(s3_bytes sync) - before )) 0" >> "$work/results"
}
round 1
psql -d bench <<SQL
INSERT INTO orders (customer_id, status, amount, currency, created_at, sku, quantity, note, payload, ip)
SELECT customer_id, 'new', amount, currency, created_at + interval '100 days', sku, quantity, note, payload, ip
FROM orders WHERE id <= $((rows / 100));
UPDATE orders SET status = 'shipped', updated_at = now() WHERE id > $((rows - rows / 50)) AND id <= $rows;
SQL
round 2
copy_id=$(field copy_shared_2 id)
timeit restore_from_copy "$tidemark" restore "$copy_id" --to restored_from_copy --output json
check=$(psql -d restored_from_copy -At -c "SELECT count(*) FROM orders")
expected=$(psql -d bench -At -c "SELECT count(*) FROM orders")

awk -v rows="$rows" -v check="$check" -v expected="$expected" '
{ t[$1] = $2; m[$1] = $3 }
END {
  printf "| %d orders | seconds | sent (MiB) | peak RSS (MiB) |\n|---|---:|---:|---:|\n", rows
  for (n = 1; n <= 2; n++) {
    printf "| backup %d to local1 | %.1f | %.1f stored | %.0f |\n", n, t["backup_" n], t["backup_stored_" n] / 2^20, m["backup_" n] / 1024
    printf "| copy %d to S3, --copy-of (sealed chunks) | %.1f | %.1f | %.0f |\n", n, t["copy_shared_" n], t["copy_shared_sent_" n] / 2^20, m["copy_shared_" n] / 1024
    printf "| copy %d to S3, unrelated storage (re-chunked) | %.1f | %.1f | %.0f |\n", n, t["copy_other_" n], t["copy_other_sent_" n] / 2^20, m["copy_other_" n] / 1024
    printf "| aws s3 sync of the repository directory | %.1f | %.1f | %.0f |\n", t["aws_sync_" n], t["aws_sync_sent_" n] / 2^20, m["aws_sync_" n] / 1024
  }
  printf "\n- second copy sent / second backup stored: %.2f (--copy-of), %.2f (re-chunked), %.2f (aws s3 sync)\n", t["copy_shared_sent_2"] / t["backup_stored_2"], t["copy_other_sent_2"] / t["backup_stored_2"], t["aws_sync_sent_2"] / t["backup_stored_2"]
  printf "- first copy time / aws s3 sync: %.2f (--copy-of), %.2f (re-chunked); restore from the copy %.1f s, %s of %s orders rows\n", t["copy_shared_1"] / t["aws_sync_1"], t["copy_other_1"] / t["aws_sync_1"], t["restore_from_copy"], check, expected
}' "$work/results"
