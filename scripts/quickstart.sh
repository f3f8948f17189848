#!/usr/bin/env bash
# Installs what is missing, builds tidemark, and runs `tidemark quickstart`.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-dependencies.sh
swift build --product tidemark
exec .build/debug/tidemark quickstart "$@"
