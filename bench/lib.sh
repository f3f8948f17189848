# Shared by the benchmark scripts: a throwaway PostgreSQL, a realistic data set, timing.
# Source it after `cd` to the repository root; it sets `work` (a temporary directory removed on
# exit) and starts nothing until start_postgres is called.

work=$(mktemp -d /tmp/tidemark-bench-XXXXXX)
chmod 755 "$work"
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=()
[[ $(id -u) -eq 0 ]] && { chown postgres "$work"; as_pg=(runuser -u postgres --); }
cleanup_hooks=()
cleanup() {
    for hook in "${cleanup_hooks[@]}"; do eval "$hook" || true; done
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# Starts PostgreSQL on a free loopback port with database `bench`; exports PG* variables.
start_postgres() {
    port=$(free_port)
    echo "benchpw" > "$work/pw"; chmod 644 "$work/pw"
    "${as_pg[@]}" "$bindir/initdb" -D "$work/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile="$work/pw" --no-sync >/dev/null
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
        -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min" start >/dev/null
    export PGPASSWORD=benchpw PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
    psql -d postgres -c "CREATE DATABASE bench"
}

# Fills `bench` with customers and ROWS realistic orders (about 2.5x compressible).
generate_orders() {
    local rows=$1
    echo "generating $rows rows…" >&2
    psql -d bench <<SQL
    CREATE TABLE customers (id int PRIMARY KEY, name text, email text, country text, created_at timestamptz);
    INSERT INTO customers SELECT i, 'Customer ' || i, 'user' || i || '@example.com',
        (ARRAY['DE','FR','US','JP','BR','IN','GB','NL'])[1 + i % 8], timestamptz '2020-01-01' + i * interval '7 minutes'
    FROM generate_series(1, 200000) i;
    CREATE TABLE orders (
        id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), status text NOT NULL,
        amount numeric(12,2) NOT NULL, currency text NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz,
        sku text NOT NULL, quantity int NOT NULL, note text, payload jsonb, ip inet);
    INSERT INTO orders (customer_id, status, amount, currency, created_at, updated_at, sku, quantity, note, payload, ip)
    SELECT 1 + (random() * 199999)::int,
           (ARRAY['new','paid','shipped','delivered','returned'])[1 + (random() * 4)::int],
           round((random() * 1000)::numeric, 2), (ARRAY['EUR','USD','JPY'])[1 + i % 3],
           timestamptz '2024-01-01' + i * interval '2 seconds', NULL,
           'SKU-' || substr(md5((i % 50000)::text), 1, 10), 1 + (random() * 9)::int,
           CASE WHEN random() < 0.3 THEN NULL ELSE
                (ARRAY['gift wrap please','leave at the door','call before delivery','fragile','express'])[1 + (random() * 4)::int]
                || ' ' || substr(md5(random()::text), 1, 8 + (random() * 24)::int) END,
           jsonb_build_object('campaign', (ARRAY['spring','summer','black-friday','none'])[1 + i % 4],
                              'score', round((random() * 100)::numeric, 3), 'ref', md5(random()::text), 'session', md5(random()::text)),
           ('10.' || (i % 256) || '.' || ((i / 256) % 256) || '.' || (random() * 255)::int)::inet
    FROM generate_series(1, $rows) i;
    CREATE INDEX orders_customer ON orders (customer_id);
    ANALYZE;
SQL
}

# Fills `bench_md5` with ROWS (default 1.5 M) rows that compress far less than `orders`: md5 text,
# random short text and small jsonb (issue 14, item 17: about a 380 MB pg_dump stream, ~1.6x
# compressible), so the per-byte cost of chunking, hashing, compressing and sealing shows.
generate_md5() {
    local rows=${1:-1500000}
    echo "generating $rows less compressible rows…" >&2
    psql -d postgres -c "CREATE DATABASE bench_md5"
    psql -d bench_md5 <<SQL
    CREATE TABLE events (id bigint PRIMARY KEY, h1 text, h2 text, h3 text, short text, doc jsonb);
    INSERT INTO events
    SELECT i, md5(i::text), md5(random()::text) || md5(random()::text), md5((i * 31)::text) || md5((i * 37)::text),
           substr(md5(random()::text), 1, 4 + (random() * 20)::int),
           jsonb_build_object('a', round(random()::numeric, 4), 'k', substr(md5(random()::text), 1, 12), 'n', (random() * 1000)::int)
    FROM generate_series(1, $rows) i;
    ANALYZE;
SQL
}

# Creates managed instance `bench` with $tidemark (`db create`); sets url, data and port and
# exports the PG* variables for it.
create_managed_bench() {
    local created
    created=$("$tidemark" db create bench --no-plan --output json)
    url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$created")
    data=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["dataDirectory"])' "$created")
    port=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["port"])' "$created")
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
    PGPASSWORD=$(python3 -c 'import sys,urllib.parse as u; print(u.unquote(u.urlparse(sys.argv[1]).password))' "$url")
    export PGPASSWORD
}

# pgbackrest_conf [EXTRA GLOBAL LINES]: a pgBackRest configuration for stanza `bench` on the
# managed instance ($data, $port), repo1 in $work/pgbr1, zst, process-max 2.
pgbackrest_conf() {
    cat <<CONF
[global]
repo1-path=$work/pgbr1
repo1-retention-full=10
${1:-}
compress-type=zst
process-max=2
start-fast=y
archive-check=n
log-path=$work/pgbr-log
lock-path=$work/pgbr-lock
spool-path=$work/pgbr-spool
log-level-console=warn

[bench]
pg1-path=$data
pg1-port=$port
pg1-socket-path=$data
CONF
}

# timeit LABEL COMMAND…: records seconds and peak RSS (KiB) in $work/results.
timeit() { # label, command… ; records seconds and peak RSS (KiB) of the command
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time.$label" "$@" > "$work/stdout.$label"
    read -r seconds rss < "$work/time.$label"
    echo "$label $seconds $rss" >> "$work/results"
    echo "$label: ${seconds}s, peak RSS $((rss / 1024)) MiB" >&2
}

