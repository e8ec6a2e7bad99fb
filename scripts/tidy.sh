#!/usr/bin/env bash
# clang-tidy (.clang-tidy) over the product's sources: base/, output/, resolver/, scanner/.
# Uses BUILD_DIR's compile_commands.json (configured here with it on). Exit 1 on a finding.
#   scripts/tidy.sh [BUILD_DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}
command -v clang-tidy >/dev/null || apt-get install -y -qq clang-tidy >/dev/null
cmake -S "$top" -B "$dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cd "$top"
mapfile -t files < <(git ls-files 'base/*.cc' 'output/*.cc' 'resolver/*.cc' 'scanner/*.cc')
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$dir" --quiet \
  --extra-arg=-Wno-unknown-warning-option >"$dir/tidy.log" 2>/dev/null || true
if grep -E 'warning:|error:' "$dir/tidy.log"; then
  echo "tidy: findings above (full log: $dir/tidy.log)" >&2
  exit 1
fi
echo "tidy: ${#files[@]} files clean"
