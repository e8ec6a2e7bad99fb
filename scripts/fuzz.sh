#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, -DFUZZ=ON) and runs them.
#
#   scripts/fuzz.sh [SECONDS]       the short run CI does (default 60): every fuzzer for
#                                   SECONDS on a scratch copy of its seed corpus, at most
#                                   FUZZ_JOBS (default: the core count) at a time, so each
#                                   really gets its SECONDS of CPU. Wall time: about
#                                   ceil(fuzzers / FUZZ_JOBS) * SECONDS, plus the build.
#   scripts/fuzz.sh --long [NAME...]
#                                   every fuzzer (or those named) to FUZZ_RUNS executions
#                                   (default 10,000,000) under a time cap of
#                                   FUZZ_LONG_SECONDS each (default 21600), FUZZ_JOBS at a
#                                   time. As each ends, its grown corpus is minimised
#                                   (-merge=1) back into fuzz/<area>/corpus_<name>/ (the
#                                   hand-named seeds stay) and its result is kept in
#                                   fuzz-out/results/. Then the line coverage of each
#                                   fuzzer's parser files (fuzz/<area>/parsers.txt) over its
#                                   corpus is measured with llvm-cov in a coverage build, and
#                                   the report (executions, findings, coverage) of every
#                                   fuzzer with a result is printed and kept in
#                                   fuzz-out/long-report.txt.
#   scripts/fuzz.sh --report        only the coverage and the report, of the results kept in
#                                   fuzz-out/results/ (after runs of a few fuzzers at a time).
#
# Each fuzz/<area>/ builds its fuzzers (starttls_add_fuzzer in its CMakeLists.txt) and holds
# their seed corpora, corpus_<name>/ for <name>_fuzzer (an area's old shared corpus/ is
# still read), and in options.txt ("name_fuzzer: -flag=value ...") libFuzzer flags of its
# own (a -max_len for the fuzzers whose cost grows with the input). A finding (crash,
# sanitizer report, broken invariant, timeout, leak) fails the run; its log tail is printed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${FUZZ_JOBS:-$(nproc)}
mode=short
seconds=60
only=()
if [[ ${1:-} == --long ]]; then
  mode=long
  shift
  only=("$@")
elif [[ ${1:-} == --report ]]; then
  mode=report
elif [[ $# -gt 0 ]]; then
  seconds=$1
fi
runs=${FUZZ_RUNS:-10000000}
cap=${FUZZ_LONG_SECONDS:-21600}

build() {  # build DIR [extra cmake flags...]
  local dir=$1
  shift
  cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUZZ=ON \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)" --target fuzzers
}

# "area_dir name" for every fuzzer, in a stable order.
list_fuzzers() {
  local area_dir name
  for area_dir in "$top"/fuzz/*/; do
    area_dir=${area_dir%/}
    [[ -f "$area_dir/CMakeLists.txt" ]] || continue
    for name in $(grep -oE 'starttls_add_fuzzer\([a-z0-9_]+' "$area_dir/CMakeLists.txt" |
                  cut -d'(' -f2); do
      echo "$area_dir $name"
    done
  done
}

corpus_of() {  # area_dir name
  local corpus=$1/corpus_${2%_fuzzer}
  [[ -d "$corpus" ]] || corpus=$1/corpus
  echo "$corpus"
}

# The fuzzer's own libFuzzer flags from its area's options.txt (word-split on purpose).
options_of() {  # area_dir name
  grep -E "^$2:" "$1/options.txt" 2>/dev/null | cut -d: -f2- || true
}

executions() { grep -E "stat::number_of_executed_units" "$1" 2>/dev/null | tail -1 | awk '{print $2}'; }

# Runs "name command..." jobs at most $jobs at a time; each job's exit status lands in
# $status_dir/<name>.
status_dir=""
declare -A running=()
run_pooled() {
  local name=$1
  shift
  while ((${#running[@]} >= jobs)); do reap_one; done
  (set +e; "$@"; echo $? >"$status_dir/$name") &
  running[$!]=$name
}
reap_one() {
  local pid
  wait -n -p pid "${!running[@]}" || true
  unset "running[$pid]"
}
reap_all() { while ((${#running[@]} > 0)); do reap_one; done; }

fuzzers=()
while read -r area_dir name; do
  if ((${#only[@]} > 0)) && [[ ! " ${only[*]} " == *" $name "* && ! " ${only[*]} " == *" ${name%_fuzzer} "* ]]; then
    continue
  fi
  fuzzers+=("$area_dir:$name")
done < <(list_fuzzers)
((${#fuzzers[@]} > 0)) || { echo "fuzz: no fuzzer found"; exit 1; }

build "$top/build-fuzz"
bin=$top/build-fuzz/bin

if [[ $mode == short ]]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  status_dir=$scratch/status
  mkdir -p "$status_dir"
  start=$(date +%s)
  echo "fuzz: ${#fuzzers[@]} fuzzers, ${seconds}s each, $jobs at a time"
  for entry in "${fuzzers[@]}"; do
    area_dir=${entry%%:*} name=${entry#*:}
    corpus=$(corpus_of "$area_dir" "$name")
    mkdir -p "$scratch/$name"
    [[ -d "$corpus" ]] && cp -r "$corpus/." "$scratch/$name/"
    # shellcheck disable=SC2046
    run_pooled "$name" "$bin/$name" $(options_of "$area_dir" "$name") -max_total_time="$seconds" \
      -timeout=25 -print_final_stats=1 -artifact_prefix="$scratch/$name-" "$scratch/$name" \
      >"$scratch/$name.log" 2>&1
  done
  reap_all
  status=0
  for entry in "${fuzzers[@]}"; do
    name=${entry#*:}
    if [[ $(cat "$status_dir/$name") == 0 ]]; then
      echo "fuzz: $name: $(executions "$scratch/$name.log") executions, no finding"
    else
      echo "fuzz: $name FAILED:"; tail -40 "$scratch/$name.log"
      status=1
    fi
  done
  echo "fuzz: short run took $(($(date +%s) - start))s of wall time"
  exit $status
fi

# --long: one fuzzer from its checked-in corpus to $runs executions, then its corpus
# minimised back into the tree and its result written to $out/results/<name>
# ("executions findings exit-status").
out=$top/fuzz-out
mkdir -p "$out/work" "$out/min" "$out/status" "$out/logs" "$out/artifacts" "$out/cov" \
  "$out/results"
status_dir=$out/status
long_one() {  # area_dir name
  local area_dir=$1 name=$2 corpus rc findings
  corpus=$area_dir/corpus_${name%_fuzzer}
  rm -rf "$out/work/$name" "$out/min/$name" "$out/results/$name"
  rm -f "$out/artifacts/$name-"*
  mkdir -p "$corpus" "$out/work/$name" "$out/min/$name"
  cp -r "$(corpus_of "$area_dir" "$name")/." "$out/work/$name/"
  echo "fuzz --long: $name started"
  # shellcheck disable=SC2046
  "$bin/$name" $(options_of "$area_dir" "$name") -runs="$runs" -max_total_time="$cap" \
    -timeout=25 -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" \
    "$out/work/$name" >"$out/logs/$name.log" 2>&1 && rc=0 || rc=$?
  # The hand-named seeds stay; then whatever adds coverage.
  find "$corpus" -maxdepth 1 -type f ! -regex '.*/[0-9a-f]\{40\}' -exec cp {} "$out/min/$name/" \;
  "$bin/$name" $(options_of "$area_dir" "$name") -merge=1 -timeout=25 "$out/min/$name" \
    "$out/work/$name" >"$out/logs/$name.merge.log" 2>&1 || echo "fuzz --long: merging $name failed"
  find "$corpus" -maxdepth 1 -type f -regex '.*/[0-9a-f]\{40\}' -delete
  cp -r "$out/min/$name/." "$corpus/"
  findings=$(find "$out/artifacts" -name "$name-*" -type f | wc -l)
  echo "$(executions "$out/logs/$name.log") $findings $rc" >"$out/results/$name"
  echo "fuzz --long: $name done: $(cat "$out/results/$name") (executions findings status)"
}
if [[ $mode == long ]]; then
  echo "fuzz --long: ${#fuzzers[@]} fuzzers to $runs executions each (cap ${cap}s), $jobs at a time"
  for entry in "${fuzzers[@]}"; do
    run_pooled "${entry#*:}" long_one "${entry%%:*}" "${entry#*:}"
  done
  reap_all
fi

# Line coverage of each fuzzer's parser files over its minimised corpus.
build "$top/build-fuzz-cov" -DFUZZ_COVERAGE=ON
cov_bin=$top/build-fuzz-cov/bin
coverage_of() {  # area_dir name -> "NN.NN% (covered/lines lines)" of its parser files
  local area_dir=$1 name=$2 files
  files=$(grep -E "^$name:" "$area_dir/parsers.txt" 2>/dev/null | cut -d: -f2-) || true
  [[ -n "$files" ]] || { echo "n/a"; return; }
  rm -f "$out/cov/$name.profraw"
  LLVM_PROFILE_FILE="$out/cov/$name.profraw" "$cov_bin/$name" -runs=0 \
    "$area_dir/corpus_${name%_fuzzer}" >"$out/logs/$name.cov.log" 2>&1 || true
  llvm-profdata-14 merge -sparse -o "$out/cov/$name.profdata" "$out/cov/$name.profraw"
  # shellcheck disable=SC2086
  (cd "$top" && llvm-cov-14 report "$cov_bin/$name" -instr-profile="$out/cov/$name.profdata" \
    $files >"$out/cov/$name.txt")
  # TOTAL: regions, missed, cover, functions, missed, executed, lines, missed, cover, ...
  awk '/^TOTAL/ {print $10 " (" $8 - $9 "/" $8 " lines)"}' "$out/cov/$name.txt"
}

# The report: every fuzzer that has a result, from this run or an earlier one.
report=$out/long-report.txt
status=0
{
  printf '%-24s %12s %9s  %s\n' fuzzer executions findings "line coverage of its parser files"
  while read -r area_dir name; do
    [[ -f "$out/results/$name" ]] || continue
    read -r count findings rc <"$out/results/$name"
    note=""
    if ((rc != 0)) && ((findings == 0)); then findings=1; fi
    if ((findings > 0)); then status=1; note=" FINDING"; fi
    if ((${count:-0} < runs)) && ((findings == 0)); then status=1; note=" (time cap reached)"; fi
    printf '%-24s %12s %9s  %s%s\n' "$name" "${count:-0}" "$findings" \
      "$(coverage_of "$area_dir" "$name")" "$note"
  done < <(list_fuzzers)
  echo
  echo "per-file coverage: fuzz-out/cov/<name>.txt; logs: fuzz-out/logs/; findings: fuzz-out/artifacts/"
} | tee "$report"
for entry in "${fuzzers[@]}"; do
  name=${entry#*:}
  [[ -f "$out/results/$name" ]] || continue
  read -r _ _ rc <"$out/results/$name"
  if ((rc != 0)); then echo "fuzz --long: $name FAILED:"; tail -40 "$out/logs/$name.log"; fi
done
exit $status
