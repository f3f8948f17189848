#!/usr/bin/env bash
# MariaDB and SQLite engine benchmark (SPEC §8, issue 18). Not a test: run by hand.
#
#   bench/engines.sh [SIZE_GB]          (default 1; both phases)
#   PHASES=sqlite|mariadb bench/engines.sh
#
# MariaDB: starts a private mariadbd (Debian's 10.11) on a free port, fills a SIZE_GB database
# of orders (mixed types, a secondary index), then side by side in one run:
#   mariadb-dump (the flags Tidemark uses) > /dev/null; mariadb-dump | gzip > file (what users do
#   today); tidemark backup create; a realistic change (1% new orders, the most recent 1%
#   updated), then a second backup and what it stored; mariadb < dump.sql into a new database vs
#   tidemark restore into a new database; peak RSS (GNU time).
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
phases=${PHASES:-sqlite,mariadb}
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

if [[ $phases == *mariadb* ]]; then
    mdir=$work/mariadb
    mkdir -p "$mdir/data" "$mdir/tmp"
    mysql_user=()
    if [[ $(id -u) -eq 0 ]]; then chown -R mysql:mysql "$mdir"; mysql_user=(--user=mysql); fi
    mariadb-install-db --no-defaults --datadir="$mdir/data" --tmpdir="$mdir/tmp" --auth-root-authentication-method=normal --skip-test-db "${mysql_user[@]}" >/dev/null 2>&1
    mport=$(free_port)
    /usr/sbin/mariadbd --no-defaults --datadir="$mdir/data" --tmpdir="$mdir/tmp" --port="$mport" --bind-address=127.0.0.1 \
        --socket="$mdir/sock" --pid-file="$mdir/pid" --log-error="$mdir/error.log" --skip-name-resolve \
        --character-set-server=utf8mb4 --innodb-buffer-pool-size=1G --innodb-log-file-size=256M \
        --innodb-flush-log-at-trx-commit=2 "${mysql_user[@]}" &
    cleanup_hooks+=("kill $! 2>/dev/null; wait $! 2>/dev/null")
    for _ in $(seq 100); do mariadb --no-defaults --socket="$mdir/sock" -uroot -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
    mpw=bench-$RANDOM$RANDOM
    m() { mariadb --no-defaults --socket="$mdir/sock" -uroot --default-character-set=utf8mb4 "$@"; }
    m -e "DELETE FROM mysql.global_priv WHERE User=''; CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$mpw'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES; CREATE DATABASE shop"
    # ~250 bytes per row of dump: 4 M rows per GB.
    mrows=${MARIADB_ROWS:-$((size_gb * 4000000))}
    m shop <<SQL
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(200)) ENGINE=InnoDB;
INSERT INTO customers SELECT seq, concat('customer ', seq), concat('c', seq, '@example.com') FROM seq_1_to_100000;
CREATE TABLE orders (
    id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, status VARCHAR(16), amount DECIMAL(12,2),
    currency CHAR(3), created_at DATETIME(6), sku VARCHAR(32), quantity INT, note TEXT, payload JSON,
    KEY orders_customer (customer_id), CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers(id)
) ENGINE=InnoDB;
SET foreign_key_checks = 0;
INSERT INTO orders (customer_id, status, amount, currency, created_at, sku, quantity, note, payload)
SELECT 1 + seq % 100000, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'), (seq % 100000) / 7, ELT(1 + seq % 3, 'EUR', 'USD', 'GBP'),
       '2026-01-01' + INTERVAL seq SECOND, concat('SKU-', seq % 5000), 1 + seq % 9, concat('order ', seq, ' note ', md5(seq)),
       JSON_OBJECT('channel', ELT(1 + seq % 3, 'web', 'app', 'shop'), 'tags', JSON_ARRAY(seq % 11, seq % 13), 'ref', md5(seq + 1))
FROM seq_1_to_$mrows;
SQL
    dump_flags=(--single-transaction --quick --routines --events --triggers --hex-blob --default-character-set=utf8mb4 --skip-dump-date)
    printf '[client]\nprotocol=TCP\nhost=127.0.0.1\nport=%s\nuser=root\npassword="%s"\n' "$mport" "$mpw" > "$work/bench.cnf"
    chmod 600 "$work/bench.cnf"
    printf '#!/usr/bin/env bash\nmariadb-dump --defaults-extra-file=%q %s shop > /dev/null\n' "$work/bench.cnf" "${dump_flags[*]}" > "$work/dump-null"
    printf '#!/usr/bin/env bash\nmariadb-dump --defaults-extra-file=%q %s shop | gzip > %q\n' "$work/bench.cnf" "${dump_flags[*]}" "$work/shop.sql.gz" > "$work/dump-gzip"
    printf '#!/usr/bin/env bash\nmariadb-dump --defaults-extra-file=%q %s shop > %q\n' "$work/bench.cnf" "${dump_flags[*]}" "$work/shop.sql" > "$work/dump-file"
    printf '#!/usr/bin/env bash\nmariadb --defaults-extra-file=%q shop_plain < %q\n' "$work/bench.cnf" "$work/shop.sql" > "$work/load"
    chmod 755 "$work/dump-null" "$work/dump-gzip" "$work/dump-file" "$work/load"
    "$work/dump-file"
    dump_bytes=$(stat -c %s "$work/shop.sql")
    echo "mariadb dump: $((dump_bytes / 1048576)) MiB, $mrows orders" >&2
    TIDEMARK_DB_PASSWORD=$mpw "$tidemark" db add shopm --engine mariadb --url "mariadb://root@127.0.0.1:$mport/shop" --no-plan >/dev/null
    mstored() { "$tidemark" backup list shopm --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["storedBytes"])'; }
    timeit mariadb_dump_devnull "$work/dump-null"
    timeit mariadb_dump_gzip "$work/dump-gzip"
    timeit tidemark_mariadb_backup "$tidemark" backup create shopm --output json
    mfirst=$(mstored)
    m shop <<SQL
SET foreign_key_checks = 0;
INSERT INTO orders (customer_id, status, amount, currency, created_at, sku, quantity, note, payload)
SELECT customer_id, 'new', amount, currency, created_at + INTERVAL 100 DAY, sku, quantity, note, payload FROM orders WHERE id <= $((mrows / 100));
UPDATE orders SET status = 'shipped' WHERE id > $((mrows - mrows / 100)) AND id <= $mrows;
SQL
    timeit tidemark_mariadb_second "$tidemark" backup create shopm --output json
    msecond=$(mstored)
    mfirst_id=$("$tidemark" backup list shopm --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[1]["id"])')
    m -e "CREATE DATABASE shop_plain"
    timeit mariadb_load "$work/load"
    timeit tidemark_mariadb_restore "$tidemark" restore "$mfirst_id" --to shop_restored
    restored_rows=$(m -N -e "SELECT COUNT(*) FROM shop_restored.orders")
    echo "$mfirst $msecond $dump_bytes $restored_rows $mrows" > "$work/mariadb.facts"
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
facts = os.path.join(work, "mariadb.facts")
if os.path.exists(facts):
    first, second, size, restored, rows = (int(x) for x in open(facts).read().split())
    d, _ = results["mariadb_dump_devnull"]; g, _ = results["mariadb_dump_gzip"]; t, _ = results["tidemark_mariadb_backup"]
    l, _ = results["mariadb_load"]; r, _ = results["tidemark_mariadb_restore"]
    print()
    print(f"MariaDB dump {size / 2**20:.0f} MiB: backup {t / d:.2f}x mariadb-dump > /dev/null (target <= 1.2), {t / g:.2f}x mariadb-dump | gzip (target < 1); "
          f"restore {r / l:.2f}x mariadb < dump.sql (target <= 1.2); second backup {100 * second / first:.1f}% of the first (target <= 15%); "
          f"restored orders {restored} of {rows}")
PY
