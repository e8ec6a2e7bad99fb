#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time on a scratch
# copy of its checked-in seed corpus. Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] (default 60)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
dir=$top/build-fuzz
cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$dir" -j"$(nproc)" --target fuzzers

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for corpus in "$top"/fuzz/*/corpus; do
  area=$(basename "$(dirname "$corpus")")
  for fuzzer in "$dir"/bin/*_fuzzer; do
    # Each area's corpus seeds the fuzzers built from that area's folder.
    grep -q "$(basename "$fuzzer")" "$top/fuzz/$area/CMakeLists.txt" || continue
    mkdir -p "$scratch/$area"
    cp -r "$corpus/." "$scratch/$area/"
    echo "fuzz: $(basename "$fuzzer") for ${seconds}s"
    if ! "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$scratch/" "$scratch/$area" 2>"$scratch/log"; then
      tail -40 "$scratch/log"
      status=1
    else
      grep -E "stat::number_of_executed_units|Done" "$scratch/log" | tail -2
    fi
  done
done
exit $status
