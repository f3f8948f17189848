#!/usr/bin/env bash
# Installs what building and testing Tidemark needs on Debian 12, skipping what is present.
set -euo pipefail
packages=()
dpkg -s libzstd-dev >/dev/null 2>&1 || packages+=(libzstd-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || packages+=(libsqlite3-dev)
# The sqlite3 tool: SQLite engine tests compare restored files with it; bench/engines.sh times it.
dpkg -s sqlite3 >/dev/null 2>&1 || packages+=(sqlite3)
dpkg -s postgresql >/dev/null 2>&1 || packages+=(postgresql)
# MariaDB engine tests start their own mariadbd (Debian's policy keeps the packaged service off).
dpkg -s mariadb-server >/dev/null 2>&1 || packages+=(mariadb-server)
dpkg -s mariadb-client >/dev/null 2>&1 || packages+=(mariadb-client)
dpkg -s zstd >/dev/null 2>&1 || packages+=(zstd)
# S3 tests: stunnel gives moto an HTTPS front with a self-signed certificate made by openssl.
dpkg -s stunnel4 >/dev/null 2>&1 || packages+=(stunnel4)
dpkg -s openssl >/dev/null 2>&1 || packages+=(openssl)
# Dashboard tests drive a real headless Chromium through its WebDriver (chromedriver).
dpkg -s chromium >/dev/null 2>&1 || packages+=(chromium)
dpkg -s chromium-driver >/dev/null 2>&1 || packages+=(chromium-driver)
# promtool (from Debian's prometheus package; its service is not started) lints /metrics.
dpkg -s prometheus >/dev/null 2>&1 || packages+=(prometheus)
if ((${#packages[@]})); then
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    echo "installing: ${packages[*]}" >&2
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
fi
# The S3 tests run moto's server (a real S3 HTTP endpoint) and cross-check signatures with
# botocore; the benchmark compares with the AWS CLI.
if ! python3 -c "import moto.server, boto3, botocore, flask" >/dev/null 2>&1; then
    echo "installing: moto[server] (pip)" >&2
    python3 -m pip install -q 'moto[server]' boto3
fi
# Schemathesis checks the API against its own OpenAPI document (an outside client's view).
if ! command -v schemathesis >/dev/null 2>&1; then
    echo "installing: schemathesis (pip)" >&2
    python3 -m pip install -q 'schemathesis>=4,<5'
fi
# The Debian package starts a cluster on 5432; Tidemark's tests start their own on free ports.
if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    echo "note: add /opt/swift/usr/bin to PATH" >&2
fi
