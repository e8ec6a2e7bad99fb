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
# Each fuzz/<area>/ builds its fuzzers and holds their seed corpora: corpus_<name>/ for the
# fuzzer <name>_fuzzer when the area has one, else the area's shared corpus/. The fuzzers run
# side by side, each on a scratch copy of its corpus.
pids=() names=()
for area_dir in "$top"/fuzz/*/; do
  area_dir=${area_dir%/}
  [[ -f "$area_dir/CMakeLists.txt" ]] || continue
  for fuzzer in "$dir"/bin/*_fuzzer; do
    [[ -x "$fuzzer" ]] || continue
    name=$(basename "$fuzzer")
    grep -qw "$name" "$area_dir/CMakeLists.txt" || continue
    corpus=$area_dir/corpus_${name%_fuzzer}
    [[ -d "$corpus" ]] || corpus=$area_dir/corpus
    mkdir -p "$scratch/$name"
    [[ -d "$corpus" ]] && cp -r "$corpus/." "$scratch/$name/"
    echo "fuzz: $name for ${seconds}s on $(basename "$area_dir")/$(basename "$corpus")"
    "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$scratch/$name-" \
      "$scratch/$name" >"$scratch/$name.log" 2>&1 &
    pids+=($!) names+=("$name")
  done
done
status=0
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then
    echo "fuzz: ${names[$i]}: $(grep -E "stat::number_of_executed_units" "$scratch/${names[$i]}.log" | tail -1)"
  else
    echo "fuzz: ${names[$i]} FAILED:"; tail -40 "$scratch/${names[$i]}.log"
    status=1
  fi
done
(( ${#pids[@]} > 0 )) || { echo "fuzz: no fuzzer found"; status=1; }
exit $status
