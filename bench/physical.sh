#!/usr/bin/env bash
# Physical backup/restore benchmark (SPEC §8, issue 16). Not a test: run by hand.
#
#   bench/physical.sh [SIZE_GB]        (default 1: ~1 GB of orders plus pgbench -i -s 50)
#
# Creates a managed instance with `tidemark db create`, fills it with realistic mixed-type data
# (bench/lib.sh generate_orders) and pgbench's tables, then measures side by side in one run on
# that same cluster, both repositories on this machine's disk:
#   pgBackRest (Debian's 2.45; compress-type=zst, process-max=2, local posix repo) full backup
#   vs tidemark backup create --method physical (local storage);
#   a realistic change (1% appended orders + updates of the most recent rows), then a second
#   backup of each (pgBackRest incremental, file-level and, in a second repo, with repo-block);
#   pgbench -T 30, then a third backup of each;
#   restore of each into a new data directory (tidemark: a new managed instance, verified with
#   pg_verifybackup and started; pgBackRest: files only); peak RSS (GNU time).
# Prints a Markdown table; copy it into bench/RESULTS.md with the date and the command.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
size_gb=${1:-1}
scripts/install-dependencies.sh
for tool in pgbackrest /usr/bin/time; do
    command -v "$tool" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbackrest time >/dev/null
done
swift build -c release --product tidemark >/dev/null
tidemark=$PWD/.build/release/tidemark
source bench/lib.sh
export TIDEMARK_HOME=$work/home TIDEMARK_PASSPHRASE=bench-passphrase
cleanup_hooks+=('for d in "$work"/home/instances/*/data; do "${as_pg[@]}" "$bindir/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1; done')
cleanup_hooks+=('"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/pgbr-restore" -m immediate stop >/dev/null 2>&1')

"$tidemark" storage add local1 --local "$work/repo" >/dev/null
create_managed_bench

rows=${ROWS:-$((size_gb * 4200000))}
generate_orders "$rows"
"$bindir/pgbench" -i -s "${PGBENCH_SCALE:-50}" -q bench >/dev/null 2>&1
# A database that has been running for a while: its old rows are frozen and all-visible. Without
# this, autovacuum's first pass over the freshly loaded orders table (hint bits, visibility map,
# freezing) lands between two backups at a moment that differs from run to run, and rewrites
# most pages of the table for both tools.
psql -d bench -c "VACUUM (FREEZE, ANALYZE)"
psql -d bench -c "CHECKPOINT"
cluster_bytes=$(psql -d bench -At -c "SELECT sum(pg_database_size(oid)) FROM pg_database")
echo "cluster: $((cluster_bytes / 1048576)) MiB" >&2

# pgBackRest: repo1 file-level incrementals, repo2 bundled with block incrementals.
mkdir -p "$work/pgbr1" "$work/pgbr2" "$work/pgbr-log" "$work/pgbr-lock" "$work/pgbr-spool"
pgbackrest_conf "$(printf '%s\n' "repo2-path=$work/pgbr2" repo2-retention-full=10 repo2-bundle=y repo2-block=y '# block incremental is a beta feature in pgBackRest 2.45' beta=y)" > "$work/pgbackrest.conf"
[[ $(id -u) -eq 0 ]] && chown -R postgres "$work/pgbr1" "$work/pgbr2" "$work/pgbr-log" "$work/pgbr-lock" "$work/pgbr-spool" "$work/pgbackrest.conf"
# A script, not a function: timeit runs it under GNU time.
printf '#!/usr/bin/env bash\nexec %s pgbackrest --config=%q --stanza=bench "$@"\n' "${as_pg[*]}" "$work/pgbackrest.conf" > "$work/pgbr"
chmod 755 "$work/pgbr"
pgbr() { "$work/pgbr" "$@"; }
pgbr stanza-create >/dev/null

stored() { "$tidemark" backup list bench --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["storedBytes"])'; }
pgbr_repo() { pgbr --repo="$1" info --output=json | python3 -c "import json,sys; b=[x for x in json.load(sys.stdin)[0]['backup'] if x['database']['repo-key']==$1][-1]; print(b['info']['repository']['delta'])"; }

# The floor of a single-stream design: pg_basebackup alone, to /dev/null.
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
timeit pg_basebackup_devnull bash -c "'$bindir/pg_basebackup' -h '$data' -p $port -U postgres -D - -F tar -X fetch --checkpoint=fast > /dev/null"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
timeit pgbackrest_full "$work/pgbr" --repo=1 --type=full backup
pgbr_full=$(pgbr_repo 1)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
timeit tidemark_full "$tidemark" backup create bench --method physical --output json
tm_full=$(stored)
full_id=$("$tidemark" backup list bench --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
timeit pgbackrest_full_block "$work/pgbr" --repo=2 --type=full backup
pgbr2_full=$(pgbr_repo 2)

# A realistic day of change: 1% new orders, updates concentrated on the most recent rows.
psql -d bench <<SQL
INSERT INTO orders (customer_id, status, amount, currency, created_at, sku, quantity, note, payload, ip)
SELECT customer_id, 'new', amount, currency, created_at + interval '100 days', sku, quantity, note, payload, ip
FROM orders WHERE id <= $((rows / 100));
UPDATE orders SET status = 'shipped', updated_at = now() WHERE id > $((rows - rows / 50)) AND id <= $rows;
CHECKPOINT;
SQL
timeit pgbackrest_incr_change "$work/pgbr" --repo=1 --type=incr backup
pgbr_change=$(pgbr_repo 1)
timeit pgbackrest_block_change "$work/pgbr" --repo=2 --type=incr backup
pgbr2_change=$(pgbr_repo 2)
timeit tidemark_after_change "$tidemark" backup create bench --method physical --output json
tm_change=$(stored)

"$bindir/pgbench" -T "${PGBENCH_SECONDS:-30}" -c 2 bench > "$work/pgbench.out" 2>&1 || { cat "$work/pgbench.out" >&2; exit 1; }
transactions=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.out")
echo "pgbench -T: $transactions transactions" >&2
psql -d bench -c "CHECKPOINT"
timeit pgbackrest_incr_pgbench "$work/pgbr" --repo=1 --type=incr backup
pgbr_pgbench=$(pgbr_repo 1)
timeit pgbackrest_block_pgbench "$work/pgbr" --repo=2 --type=incr backup
pgbr2_pgbench=$(pgbr_repo 2)
timeit tidemark_after_pgbench "$tidemark" backup create bench --method physical --output json
tm_pgbench=$(stored)

# Restores of the first (full) backup into new data directories.
mkdir -p "$work/pgbr-restore"; chmod 700 "$work/pgbr-restore"
[[ $(id -u) -eq 0 ]] && chown postgres "$work/pgbr-restore"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
first_label=$(pgbr --repo=1 info --output=json | python3 -c "import json,sys; print([x for x in json.load(sys.stdin)[0]['backup'] if x['type']=='full' and x['database']['repo-key']==1][0]['label'])")
timeit pgbackrest_restore "$work/pgbr" --repo=1 --set="$first_label" --pg1-path="$work/pgbr-restore" restore
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
timeit tidemark_restore "$tidemark" restore "$full_id" --to bench_copy --output json
copy_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["url"])' "$work/stdout.tidemark_restore")
check=$(PGPASSWORD= "$bindir/psql" -X "$copy_url" -At -c "SELECT count(*) FROM pgbench_accounts")

# Where a tidemark restore's time goes: the same tar extracted by tar alone, and pg_verifybackup on it.
"$tidemark" backup export "$full_id" --out "$work/full.tar" >/dev/null
mkdir -p "$work/untar"; chmod 700 "$work/untar"
[[ $(id -u) -eq 0 ]] && chown postgres "$work/untar" "$work/full.tar"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
timeit tar_extract "${as_pg[@]}" tar -x -f "$work/full.tar" -C "$work/untar"
timeit pg_verifybackup "${as_pg[@]}" "$bindir/pg_verifybackup" --quiet "$work/untar"
if [[ -n "${ANALYZE_DEDUP:-}" ]]; then
    # Which files a second backup stored anew (1 MiB blocks of relation files, whole other files).
    second_id=$("$tidemark" backup list bench --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[1]["id"])')
    "$tidemark" backup export "$second_id" --out "$work/second.tar" >/dev/null
    python3 - "$work/full.tar" "$work/second.tar" <<'PY' >&2
import tarfile, hashlib, sys, collections, re, zlib
rel = re.compile(r'^(global/\d+|base/\d+/\d+)(_fsm|_vm|_init)?(\.\d+)?$')
def blocks(path):
    with tarfile.open(path) as t:
        for m in t:
            if m.isfile():
                data = t.extractfile(m).read()
                size = 1 << 20 if rel.match(m.name) else max(1, len(data))
                for i in range(0, len(data), size):
                    yield m.name, data[i:i + size]
seen = {hashlib.sha1(d).digest() for _, d in blocks(sys.argv[1])}
new = collections.Counter(); packed = collections.Counter()
for name, d in blocks(sys.argv[2]):
    if hashlib.sha1(d).digest() not in seen:
        new[name] += len(d); packed[name] += len(zlib.compress(d, 1))
print("second backup, new bytes by file (raw, zlib-1):", sum(new.values()), sum(packed.values()))
for name, n in new.most_common(12): print(" ", name, n, packed[name])
PY
    rm -f "$work/second.tar"
fi
rm -rf "$work/full.tar" "$work/untar"

python3 - "$work/results" "$cluster_bytes" "$pgbr_full" "$tm_full" "$pgbr2_full" "$pgbr_change" "$pgbr2_change" "$tm_change" "$pgbr_pgbench" "$pgbr2_pgbench" "$tm_pgbench" "$check" "${PGBENCH_SCALE:-50}" "$transactions" <<'PY'
import sys
results = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open(sys.argv[1])}
cluster, pgbr_full, tm_full, pgbr2_full, pgbr_change, pgbr2_change, tm_change, pgbr_pgbench, pgbr2_pgbench, tm_pgbench = map(int, sys.argv[2:12])
check = sys.argv[12]
mib = lambda b: f"{b / 1048576:,.0f} MiB"
def row(name, label, note=""):
    s, rss = results[label]
    print(f"| {name} | {s:.1f} s | {cluster / 1048576 / s:,.0f} MiB/s | {rss // 1024} MiB | {note} |")
print(f"Cluster: {mib(cluster)} (orders + pgbench -i -s {sys.argv[13]}); pgbench -T made {sys.argv[14]} transactions; restored copy has {check} pgbench_accounts rows\n")
print("| step | wall | throughput (cluster size / wall) | peak RSS | stored |")
print("|---|---|---|---|---|")
row("pgBackRest full (zst, process-max 2)", "pgbackrest_full", mib(pgbr_full))
row("pgBackRest full, bundle + block", "pgbackrest_full_block", mib(pgbr2_full))
row("tidemark backup --method physical", "tidemark_full", mib(tm_full))
row("pgBackRest incr after realistic change", "pgbackrest_incr_change", f"{mib(pgbr_change)} = {pgbr_change / pgbr_full:.1%} of full")
row("pgBackRest block incr after realistic change", "pgbackrest_block_change", f"{mib(pgbr2_change)} = {pgbr2_change / pgbr2_full:.1%} of full")
row("tidemark after realistic change", "tidemark_after_change", f"{mib(tm_change)} = {tm_change / tm_full:.1%} of first")
row("pgBackRest incr after pgbench -T 30", "pgbackrest_incr_pgbench", f"{mib(pgbr_pgbench)} = {pgbr_pgbench / pgbr_full:.1%} of full")
row("pgBackRest block incr after pgbench -T 30", "pgbackrest_block_pgbench", f"{mib(pgbr2_pgbench)} = {pgbr2_pgbench / pgbr2_full:.1%} of full")
row("tidemark after pgbench -T 30", "tidemark_after_pgbench", f"{mib(tm_pgbench)} = {tm_pgbench / tm_full:.1%} of first")
row("pgBackRest restore (files only, process-max 2)", "pgbackrest_restore")
row("tidemark restore (new instance: files, pg_verifybackup, start)", "tidemark_restore")
row("reference: pg_basebackup -Ft -X fetch > /dev/null", "pg_basebackup_devnull")
row("reference: tar -x of the exported base.tar", "tar_extract")
row("reference: pg_verifybackup of the extracted directory", "pg_verifybackup")
s1, _ = results["pgbackrest_full"]; s2, _ = results["tidemark_full"]
r1, _ = results["pgbackrest_restore"]; r2, _ = results["tidemark_restore"]
print(f"\nBackup throughput tidemark / pgBackRest: {s1 / s2:.2f}x (target >= 1.2x); restore: {r1 / r2:.2f}x (target >= 1.0x)")
PY
