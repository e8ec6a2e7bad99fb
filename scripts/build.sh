#!/usr/bin/env bash
# Configures and builds one tree. Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# Default: build/ in Release with warnings as errors, every program in build/bin.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}
shift || true
cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DWERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
