#!/usr/bin/env bash
# Logical backup/restore benchmark (SPEC §8, issue 2). Not a test: run by hand.
#
#   bench/logical.sh [SIZE_GB]        (default 1)
#
# Starts a throwaway PostgreSQL, fills it with SIZE_GB of realistic mixed-type data (about 2.5x
# compressible, unlike pgbench's filler), then measures side by side in one run:
#   pg_dump -Fc -Z0 > /dev/null, pg_dump -Fc > file, tidemark backup create (release build),
#   pg_restore of the -Fc file, tidemark restore; peak RSS (GNU time); and the stored bytes of a
#   second backup after a realistic change (1% new rows + updates of recent rows).
# Then, on a second, less compressible dataset (generate_md5: md5 text, short random text, small
# jsonb; a ~380 MB stream), the backup against pg_dump -Fc -Z0 > /dev/null as the median of
# PAIRS (default 5) whole-process pairs, alternating, plus the CPU seconds of each side.
# Prints a Markdown table; copy it into bench/RESULTS.md with the date and the command.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
size_gb=${1:-1}
pairs=${PAIRS:-5}
scripts/install-dependencies.sh
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
swift build -c release --product tidemark >/dev/null
tidemark=$PWD/.build/release/tidemark
source bench/lib.sh
start_postgres
rows=$((size_gb * 4200000))
generate_orders "$rows"
db_size=$(psql -d bench -At -c "SELECT pg_size_pretty(pg_database_size('bench'))")

sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
timeit pg_dump_z0_devnull bash -c "'$bindir/pg_dump' -d bench -Fc -Z0 > /dev/null"
timeit pg_dump_fc_file bash -c "'$bindir/pg_dump' -d bench -Fc -f '$work/bench.dump'"
fc_size=$(stat -c %s "$work/bench.dump")
z0_size=$("$bindir/pg_dump" -d bench -Fc -Z0 | wc -c)

export TIDEMARK_HOME=$work/home TIDEMARK_PASSPHRASE=bench-passphrase
"$tidemark" storage add local1 --local "$work/repo" >/dev/null
"$tidemark" db add bench --url "postgres://postgres:benchpw@127.0.0.1:$port/bench" >/dev/null
timeit tidemark_backup "$tidemark" backup create bench --output json
first_json=$("$tidemark" backup list bench --output json)
first_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])' <<<"$first_json")
first_stored=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["storedBytes"])' <<<"$first_json")
timeit tidemark_backup_unchanged "$tidemark" backup create bench --output json

psql -d postgres -c "CREATE DATABASE restore_pg"
timeit pg_restore_fc bash -c "'$bindir/pg_restore' -d restore_pg --exit-on-error --no-owner '$work/bench.dump'"
"$bindir/pg_dump" -d bench -Fc -Z0 -f "$work/bench_z0.dump"
psql -d postgres -c "CREATE DATABASE restore_pg_z0"
timeit pg_restore_z0 bash -c "'$bindir/pg_restore' -d restore_pg_z0 --exit-on-error --no-owner '$work/bench_z0.dump'"
rm -f "$work/bench_z0.dump"
timeit tidemark_restore "$tidemark" restore "$first_id" --to restore_tm --output json >/dev/null
check=$(psql -d restore_tm -At -c "SELECT count(*) FROM orders")

# A realistic day of change: 1% new rows, and updates concentrated on the most recent rows.
psql -d bench <<SQL
INSERT INTO orders (customer_id, status, amount, currency, created_at, sku, quantity, note, payload, ip)
SELECT customer_id, 'new', amount, currency, created_at + interval '100 days', sku, quantity, note, payload, ip
FROM orders WHERE id <= $((rows / 100));
UPDATE orders SET status = 'shipped', updated_at = now() WHERE id > $((rows - rows / 50)) AND id <= $rows;
SQL
timeit tidemark_backup_after_change "$tidemark" backup create bench --output json
second_stored=$("$tidemark" backup list bench --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["storedBytes"])')
repo_size=$(du -sb "$work/repo" | cut -f1)

# The second dataset: pairs of whole processes, alternating, each backup into a fresh repository
# (so every byte is chunked, hashed, compressed, sealed and written, as in a first backup).
generate_md5
md5_z0=$("$bindir/pg_dump" -d bench_md5 -Fc -Z0 | wc -c)
"$tidemark" db add bench_md5 --url "postgres://postgres:benchpw@127.0.0.1:$port/bench_md5" --no-plan >/dev/null
for pair in $(seq 1 "$pairs"); do
    /usr/bin/time -f "%e %U %S" -o "$work/pair.dump.$pair" bash -c "'$bindir/pg_dump' -d bench_md5 -Fc -Z0 > /dev/null"
    "$tidemark" storage add "md5repo$pair" --local "$work/md5repo$pair" >/dev/null
    /usr/bin/time -f "%e %U %S" -o "$work/pair.tm.$pair" "$tidemark" backup create bench_md5 --storage "md5repo$pair" --output json >/dev/null
    md5_stored=$("$tidemark" backup list bench_md5 --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["storedBytes"])')
done
md5_line=$(python3 - "$work" "$pairs" <<'PY'
import statistics, sys
work, pairs = sys.argv[1], int(sys.argv[2])
def read(kind):
    rows = [list(map(float, open(f"{work}/pair.{kind}.{i}").read().split())) for i in range(1, pairs + 1)]
    return [r[0] for r in rows], [r[1] + r[2] for r in rows]
dump, dump_cpu = read("dump"); tm, tm_cpu = read("tm")
ratios = [t / d for t, d in zip(tm, dump)]
print(f"{statistics.median(dump):.2f} {statistics.median(tm):.2f} {statistics.median(ratios):.3f} {min(ratios):.3f} {max(ratios):.3f} {statistics.median(dump_cpu):.2f} {statistics.median(tm_cpu):.2f}")
PY
)

awk -v db="$db_size" -v fc="$fc_size" -v z0="$z0_size" -v s1="$first_stored" -v s2="$second_stored" -v rows="$rows" -v check="$check" -v repo="$repo_size" \
    -v md5="$md5_line" -v md5z0="$md5_z0" -v md5stored="$md5_stored" -v pairs="$pairs" '
{ t[$1] = $2; m[$1] = $3 }
END {
  printf "| measurement | seconds | peak RSS (MiB) |\n|---|---:|---:|\n"
  n = split("pg_dump_z0_devnull pg_dump_fc_file tidemark_backup tidemark_backup_unchanged tidemark_backup_after_change pg_restore_fc pg_restore_z0 tidemark_restore", k, " ")
  for (i = 1; i <= n; i++) if (k[i] in t) printf "| %s | %.1f | %.0f |\n", k[i], t[k[i]], m[k[i]] / 1024
  printf "\n- database: %s on disk, %d orders rows (restored copy has %s)\n", db, rows, check
  printf "- pg_dump -Fc -Z0 stream: %.2f GiB; pg_dump -Fc file: %.2f GiB (%.2fx)\n", z0 / 2^30, fc / 2^30, z0 / fc
  printf "- tidemark first backup stored %.2f GiB (%.2fx smaller than the stream)\n", s1 / 2^30, z0 / s1
  printf "- backup time vs pg_dump -Fc -Z0 > /dev/null: %.2fx (target <= 1.2x); vs pg_dump -Fc to a file: %.2fx (target < 1)\n", t["tidemark_backup"] / t["pg_dump_z0_devnull"], t["tidemark_backup"] / t["pg_dump_fc_file"]
  printf "- restore time vs pg_restore of the -Fc file: %.2fx; vs the -Z0 file: %.2fx (target <= 1.2x)\n", t["tidemark_restore"] / t["pg_restore_fc"], t["tidemark_restore"] / t["pg_restore_z0"]
  printf "- second backup after 1%% new rows + updates of the newest 2%%: stored %.1f MiB = %.1f%% of the first (target <= 10%%)\n", s2 / 2^20, 100 * s2 / s1
  printf "- repository size after three backups: %.2f GiB\n", repo / 2^30
  split(md5, p, " ")
  printf "\nLess compressible dataset (1.5 M rows of md5 text, short random text, small jsonb; %.0f MB stream, stored %.0f MB = %.2fx smaller), median of %d alternating whole-process pairs:\n\n", md5z0 / 1e6, md5stored / 1e6, md5z0 / md5stored, pairs
  printf "| measurement | seconds (median) | CPU seconds (median, user+sys) |\n|---|---:|---:|\n"
  printf "| pg_dump -Fc -Z0 > /dev/null | %.2f | %.2f |\n| tidemark backup create | %.2f | %.2f |\n", p[1], p[6], p[2], p[7]
  printf "\n- backup time vs pg_dump -Fc -Z0 > /dev/null: %.2fx median of the pairs (range %.2f-%.2f; target <= 1.2x)\n", p[3], p[4], p[5]
}' "$work/results"
