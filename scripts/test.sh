#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test (real PostgreSQL clusters are
# started by the tests themselves on free loopback ports).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-dependencies.sh
swift build --build-tests --explicit-target-dependency-import-check error
swift test --skip-build "$@"
