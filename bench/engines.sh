#!/usr/bin/env bash
# MariaDB and SQLite engine benchmark (SPEC §8, issue 18). Not a test: run by hand.
#
#   bench/engines.sh [SIZE_GB]          (default 1)
#   PHASES=sqlite bench/engines.sh      (only SQLite; the MariaDB phase is not written yet)
#
# SQLite: builds a SIZE_GB database file (notes with text, a blob and a random-key index, WAL
# mode), then side by side in one run, page cache warm for both:
#   sqlite3 SRC ".backup COPY" (the consistent copy users make today) vs tidemark backup create
#   (the same online-backup copy, plus chunking, zstd, encryption and the write to a local
#   repository); a realistic change (1% appended rows, the most recent 1% updated, 200 deletes),
#   then a second backup and what it stored; tidemark restore into a new file vs cp of the copy;
#   peak RSS (GNU time).
# Prints a Markdown table; copy it into bench/RESULTS.md with the date and the command.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
size_gb=${1:-1}
phases=${PHASES:-sqlite}
scripts/install-dependencies.sh
command -v /usr/bin/time >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
swift build -c release --product tidemark >/dev/null
tidemark=$PWD/.build/release/tidemark
source bench/lib.sh
export TIDEMARK_HOME=$work/home TIDEMARK_PASSPHRASE=bench-passphrase
"$tidemark" storage add local1 --local "$work/repo" >/dev/null

if [[ $phases == *sqlite* ]]; then
    db=$work/app/notes.db
    mkdir -p "$work/app"
    # ~150 bytes per row with its index entry: 7 M rows per GB.
    rows=${ROWS:-$((size_gb * 7000000))}
    sqlite3 "$db" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
CREATE TABLE notes (id INTEGER PRIMARY KEY, key TEXT NOT NULL, body TEXT, n INTEGER, at TEXT);
INSERT INTO notes(key, body, n, at)
    SELECT hex(randomblob(8)), 'note ' || value || ' ' || hex(randomblob(36)), value % 1000, datetime(1700000000 + value, 'unixepoch')
    FROM generate_series(1, $rows);
CREATE INDEX notes_key ON notes(key);
PRAGMA wal_checkpoint(TRUNCATE);
SQL
    db_bytes=$(stat -c %s "$db")
    echo "sqlite database: $((db_bytes / 1048576)) MiB, $rows rows" >&2
    "$tidemark" db add notes --engine sqlite --url "sqlite://$db" --no-plan >/dev/null
    stored() { "$tidemark" backup list notes --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["storedBytes"])'; }
    # Warm the cache for both tools alike.
    cat "$db" > /dev/null
    timeit sqlite3_backup sqlite3 "$db" ".backup $work/copy.db"
    timeit tidemark_sqlite_backup "$tidemark" backup create notes --output json
    first=$(stored)
    sqlite3 "$db" <<SQL
PRAGMA synchronous=OFF;
INSERT INTO notes(key, body, n, at)
    SELECT hex(randomblob(8)), 'new ' || value || ' ' || hex(randomblob(36)), value % 1000, 'now' FROM generate_series(1, $((rows / 100)));
UPDATE notes SET n = n + 1, at = 'changed' WHERE id > $((rows - rows / 100)) AND id <= $rows;
DELETE FROM notes WHERE id % $((rows / 200)) = 7;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
    timeit tidemark_sqlite_second "$tidemark" backup create notes --output json
    second=$(stored)
    backup_id=$("$tidemark" backup list notes --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[1]["id"])')
    timeit cp_copy cp "$work/copy.db" "$work/copy2.db"
    timeit tidemark_sqlite_restore "$tidemark" restore "$backup_id" --to "$work/restored.db"
    # What the restore's own check costs: the same PRAGMA on the restored file.
    timeit sqlite3_integrity_check sqlite3 "$work/restored.db" "PRAGMA integrity_check"
    check=$(cat "$work/stdout.sqlite3_integrity_check")
    echo "$first $second $db_bytes $check" > "$work/sqlite.facts"
fi

python3 - "$work/results" "$work" <<'PY'
import os, sys
results = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open(sys.argv[1])}
work = sys.argv[2]
print("| step | seconds | peak RSS (MiB) |")
print("|---|---|---|")
for label, (seconds, rss) in results.items():
    print(f"| {label} | {seconds:.2f} | {rss // 1024} |")
facts = os.path.join(work, "sqlite.facts")
if os.path.exists(facts):
    first, second, size, check = open(facts).read().split()
    first, second, size = int(first), int(second), int(size)
    s1, _ = results["sqlite3_backup"]; s2, _ = results["tidemark_sqlite_backup"]
    print()
    print(f"SQLite {size / 2**20:.0f} MiB: backup {s2 / s1:.2f}x sqlite3 .backup (target <= 1.5); "
          f"first backup stored {first / 2**20:.1f} MiB, second {second / 2**20:.1f} MiB = {100 * second / first:.1f}% (target <= 15%); "
          f"restored file integrity_check: {check}")
PY
