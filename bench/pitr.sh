#!/usr/bin/env bash
# WAL archiving and point-in-time restore benchmark (SPEC §8, issue 17). Not a test: run by hand.
#
#   bench/pitr.sh                    (env: PGBENCH_SCALE=20, LOAD_SECONDS=60, PITR_SECONDS=300, CLIENTS=4,
#                                     PHASES="archiving pitr": leave one out to run the other alone)
#
# One managed instance (`tidemark db create`), pgbench's tables, both archives on this machine's
# disk, side by side in one run:
#   1. archiving under pgbench at its highest rate for LOAD_SECONDS, three times on the same
#      instance: tidemark wal-push (through serve), pgbackrest archive-push (sync), and
#      pgbackrest archive-push with archive-async (process-max 2). For each: WAL written, segments
#      archived per second during the load, segments still waiting at its end (the archive lag),
#      and the seconds until nothing waits.
#   2. a restore to a moment PITR_SECONDS of pgbench writes after a base backup of each tool
#      (archive_command pushes every segment to both): tidemark restore --at T (new instance,
#      replay, promotion) vs pgbackrest restore --type=time, then the server started and waited
#      for until it promoted.
# Prints a Markdown table; copy it into bench/RESULTS.md with the date and the command.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-dependencies.sh
for tool in pgbackrest /usr/bin/time; do
    command -v "$tool" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbackrest time >/dev/null
done
swift build -c release --product tidemark >/dev/null
tidemark=$PWD/.build/release/tidemark
source bench/lib.sh
export TIDEMARK_HOME=$work/home TIDEMARK_PASSPHRASE=bench-passphrase
load_seconds=${LOAD_SECONDS:-60}
pitr_seconds=${PITR_SECONDS:-300}
clients=${CLIENTS:-4}
cleanup_hooks+=('kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null')
cleanup_hooks+=('for d in "$work"/home/instances/*/data "$work/pgbr-restore"; do "${as_pg[@]}" "$bindir/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1; done')

"$tidemark" storage add local1 --local "$work/repo" >/dev/null
create_managed_bench
"$bindir/pgbench" -i -s "${PGBENCH_SCALE:-20}" -q bench >/dev/null 2>&1
psql -d bench -c "VACUUM (FREEZE, ANALYZE)" -c "CHECKPOINT"

"$tidemark" plan set bench --method physical --pitr >/dev/null
"$tidemark" serve --listen none > "$work/serve.log" 2>&1 &
serve_pid=$!
tidemark_command=$(psql -d bench -At -c "SHOW archive_command")

mkdir -p "$work/pgbr1" "$work/pgbr-log" "$work/pgbr-lock" "$work/pgbr-spool"
pgbackrest_conf > "$work/pgbackrest.conf"
cp "$work/pgbackrest.conf" "$work/pgbackrest-async.conf"
sed -i 's/^\[global\]$/[global]\narchive-async=y/' "$work/pgbackrest-async.conf"
[[ $(id -u) -eq 0 ]] && chown -R postgres "$work/pgbr1" "$work/pgbr-log" "$work/pgbr-lock" "$work/pgbr-spool" "$work"/pgbackrest*.conf
pgbr() { "${as_pg[@]}" pgbackrest --config="$work/pgbackrest.conf" --stanza=bench "$@"; }
pgbr stanza-create >/dev/null

waiting() { psql -d bench -At -c "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'"; }
archived() { psql -d bench -At -c "SELECT archived_count FROM pg_stat_archiver"; }
lsn() { psql -d bench -At -c "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"; }
set_archive_command() {
    psql -d bench -c "ALTER SYSTEM SET archive_command = '$(sed "s/'/''/g" <<<"$1")'" -c "SELECT pg_reload_conf()" >/dev/null
}
# archive_under_load LABEL: pgbench at full speed (asynchronous commit: the most WAL per
# second), each run after a checkpoint so that all write the same full-page images.
archive_under_load() {
    local label=$1 before_count before_lsn started lag after_count wal caught_up=0
    psql -d bench -c "SELECT pg_switch_wal()" -c "CHECKPOINT" >/dev/null
    while [[ $(waiting) != 0 ]]; do sleep 0.5; done
    before_count=$(archived); before_lsn=$(lsn)
    PGOPTIONS="-c synchronous_commit=off" "$bindir/pgbench" -T "$load_seconds" -c "$clients" -j 2 bench > "$work/pgbench.$label" 2>&1
    lag=$(waiting); after_count=$(archived); wal=$(( $(lsn) - before_lsn ))
    started=$(date +%s.%N)
    while [[ $(waiting) != 0 ]]; do sleep 0.2; done
    caught_up=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.$label" | head -1)
    echo "$label $wal $((after_count - before_count)) $lag $caught_up $tps" >> "$work/archiving"
    echo "$label: $((wal / 1048576)) MiB WAL, $((after_count - before_count)) archived during load, $lag waiting at the end, caught up in ${caught_up}s, tps $tps" >&2
}

# drain LABEL COMMAND: BACKLOG segments of table data written while nothing archives (an empty
# archive_command keeps them), then COMMAND set: the seconds until none waits, per segment.
backlog=${BACKLOG:-32}
drain() {
    local label=$1 command=$2 started
    psql -d bench -c "SELECT pg_switch_wal()" >/dev/null
    while [[ $(waiting) != 0 ]]; do sleep 0.5; done
    set_archive_command ""
    psql -d bench -c "CREATE TABLE IF NOT EXISTS filler (a text, b text, c int)" -c "TRUNCATE filler" >/dev/null
    while (( $(waiting) < backlog )); do
        psql -d bench -c "INSERT INTO filler SELECT md5(random()::text), md5(i::text) || md5(random()::text), i FROM generate_series(1, 200000) i" -c "SELECT pg_switch_wal()" >/dev/null
    done
    local count; count=$(waiting)
    started=$(date +%s.%N)
    set_archive_command "$command"
    while [[ $(waiting) != 0 ]]; do sleep 0.1; done
    python3 -c "import sys; e=float(sys.argv[2]) - float(sys.argv[1]); print(sys.argv[3], sys.argv[4], f'{e:.2f}')" "$started" "$(date +%s.%N)" "$label" "$count" >> "$work/drain"
    tail -1 "$work/drain" >&2
}

phases=${PHASES:-archiving pitr}
: > "$work/archiving"; : > "$work/drain"
if [[ $phases == *archiving* ]]; then
archive_under_load tidemark
drain tidemark "$tidemark_command"
set_archive_command "pgbackrest --config=$work/pgbackrest.conf --stanza=bench archive-push %p"
archive_under_load pgbackrest_sync
drain pgbackrest_sync "pgbackrest --config=$work/pgbackrest.conf --stanza=bench archive-push %p"
set_archive_command "pgbackrest --config=$work/pgbackrest-async.conf --stanza=bench archive-push %p"
archive_under_load pgbackrest_async
drain pgbackrest_async "pgbackrest --config=$work/pgbackrest-async.conf --stanza=bench archive-push %p"
psql -d bench -c "DROP TABLE filler" -c "CHECKPOINT" >/dev/null
fi
[[ $phases == *pitr* ]] || exit 0

# PITR: both archives get every segment from here on; a base backup of each, PITR_SECONDS of writes.
set_archive_command "$tidemark_command && pgbackrest --config=$work/pgbackrest.conf --stanza=bench archive-push %p"
psql -d bench -c "SELECT pg_switch_wal()" >/dev/null
pgbr --type=full backup
"$tidemark" backup create bench --method physical --output json > /dev/null
sleep 1.5
"$bindir/pgbench" -T "$pitr_seconds" -c "$clients" -j 2 bench > "$work/pgbench.pitr" 2>&1
target=$(psql -d bench -At -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
expected=$(psql -d bench -At -c "SELECT sum(abalance) FROM pgbench_accounts")
sleep 1.2
psql -d bench -c "SELECT txid_current()" -c "SELECT pg_switch_wal()" >/dev/null
while [[ $(waiting) != 0 ]]; do sleep 0.5; done
replayed=$(python3 -c "import sys; print(int(sys.argv[1]) // 16777216)" "$(lsn)")
echo "PITR target $target after $pitr_seconds s of pgbench" >&2

sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
timeit tidemark_pitr "$tidemark" restore bench --at "$target" --to bench_pitr --output json
pitr_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["url"])' "$work/stdout.tidemark_pitr")
# Where the restore's time went: its steps and log lines with their times.
"$tidemark" op logs "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/stdout.tidemark_pitr")" >&2 || true
grep -E "redo|recovery|promot|FATAL" "$work/home/instances/bench_pitr/server.log" | head -20 >&2 || true
tm_sum=$(PGPASSWORD= "$bindir/psql" -X "$pitr_url" -At -c "SELECT sum(abalance) FROM pgbench_accounts")

mkdir -p "$work/pgbr-restore"; chmod 700 "$work/pgbr-restore"
[[ $(id -u) -eq 0 ]] && chown postgres "$work/pgbr-restore"
restore_port=$(free_port)
# pgBackRest's time format: "YYYY-MM-DD HH:MM:SS.mmm+00".
pgbr_target="$(sed -E 's/T/ /; s/\.([0-9]{3})[0-9]*Z$/.\1+00/' <<<"$target")"
cat > "$work/pgbr-pitr" <<SCRIPT
#!/usr/bin/env bash
set -e
${as_pg[*]} pgbackrest --config=$work/pgbackrest.conf --stanza=bench --type=time "--target=$pgbr_target" --target-action=promote --pg1-path=$work/pgbr-restore restore
${as_pg[*]} $bindir/pg_ctl -D $work/pgbr-restore -l $work/pgbr-restore.log -w -t 3600 -o "-p $restore_port -c unix_socket_directories=$work/pgbr-restore -c archive_mode=off" start >/dev/null
until [[ \$($bindir/psql -X -h $work/pgbr-restore -p $restore_port -U postgres -At -c "SELECT pg_is_in_recovery()" postgres 2>/dev/null) == f ]]; do sleep 0.2; done
SCRIPT
chmod 755 "$work/pgbr-pitr"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
timeit pgbackrest_pitr "$work/pgbr-pitr"
pgbr_sum=$("$bindir/psql" -X -h "$work/pgbr-restore" -p "$restore_port" -U postgres -At -c "SELECT sum(abalance) FROM pgbench_accounts" bench)

[[ -s "$work/drain" ]] && python3 - "$work/drain" <<'PY'
import sys
print("Draining a backlog of WAL segments (table data, written while archive_command was empty):\n")
print("| archive_command | segments | seconds | per segment |")
print("|---|---|---|---|")
names = {"tidemark": "tidemark wal-push (serve uploads ahead, 4 at a time)", "pgbackrest_sync": "pgbackrest archive-push (zst)", "pgbackrest_async": "pgbackrest archive-push, archive-async, process-max 2"}
for line in open(sys.argv[1]):
    label, count, seconds = line.split()
    print(f"| {names[label]} | {count} | {float(seconds):.1f} | {float(seconds) / int(count) * 1000:.0f} ms |")
print()
PY
python3 - "$work/archiving" "$work/results" "$expected" "$tm_sum" "$pgbr_sum" "$load_seconds" "$pitr_seconds" "$clients" "${PGBENCH_SCALE:-20}" "$replayed" <<'PY'
import sys
archiving = {l.split()[0]: l.split()[1:] for l in open(sys.argv[1])}
results = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open(sys.argv[2])}
expected, tm_sum, pgbr_sum = sys.argv[3:6]
load, pitr, clients, scale, replayed = sys.argv[6:11]
print(f"pgbench -i -s {scale}, -c {clients} -j 2 at full speed; WAL segments are 16 MiB.\n")
names = {"tidemark": "tidemark wal-push (serve, zstd -1, AES-GCM)", "pgbackrest_sync": "pgbackrest archive-push (zst)", "pgbackrest_async": "pgbackrest archive-push, archive-async, process-max 2"}
if archiving:
    print(f"Archiving during {load} s of pgbench:\n")
    print("| archive_command | WAL written | tps | segments archived / s | waiting at the end (archive lag) | caught up after |")
    print("|---|---|---|---|---|---|")
    for key, name in names.items():
        wal, count, lag, caught, tps = archiving[key]
        print(f"| {name} | {int(wal) / 1048576:,.0f} MiB | {float(tps):,.0f} | {int(count) / float(load):.2f} | {lag} segments | {caught} s |")
print(f"\nRestore to a moment {pitr} s of pgbench writes after the base backup (about {replayed} segments in the archive):\n")
print("| restore | wall | peak RSS | sum(abalance) matches the source at T |")
print("|---|---|---|---|")
for key, name, total in [("tidemark_pitr", "tidemark restore --at T (new instance, replay, promoted)", tm_sum), ("pgbackrest_pitr", "pgbackrest restore --type=time, then start and wait for promotion", pgbr_sum)]:
    s, rss = results[key]
    print(f"| {name} | {s:.1f} s | {rss // 1024} MiB | {'yes' if total == expected else f'no ({total} vs {expected})'} |")
t, p = results["tidemark_pitr"][0], results["pgbackrest_pitr"][0]
print(f"\nPITR restore time tidemark / pgBackRest: {t / p:.2f} (target <= 1.0)")
PY
