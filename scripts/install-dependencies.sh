#!/usr/bin/env bash
# Installs what building and testing Tidemark needs on Debian 12, skipping what is present.
set -euo pipefail
packages=()
dpkg -s libzstd-dev >/dev/null 2>&1 || packages+=(libzstd-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || packages+=(libsqlite3-dev)
dpkg -s postgresql >/dev/null 2>&1 || packages+=(postgresql)
dpkg -s zstd >/dev/null 2>&1 || packages+=(zstd)
if ((${#packages[@]})); then
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    echo "installing: ${packages[*]}" >&2
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
fi
# The Debian package starts a cluster on 5432; Tidemark's tests start their own on free ports.
if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    echo "note: add /opt/swift/usr/bin to PATH" >&2
fi
