#!/usr/bin/env bash
# The README's second command: installs what is missing, builds, and runs the whole test
# suite: the product in Release (-Werror) and its .deb, then EVERY test (unit and integration:
# the lab, NSD, Unbound, the MTAs, Slurm, Chromium) in a build with AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer, then the fuzz targets for a bounded time.
# .ci/run calls exactly this.
#
# Why the tests are built once, in the sanitized tree only: on CI's two cores the test and
# bench programs are most of the compile time, and every test runs under the sanitizers
# anyway (that tree is -O2 and -Werror too). The Release tree builds what the package ships.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"

echo "== format (clang-format, .clang-format) and the include graph (no arrow back up)"
"$top/scripts/check-format.sh"
python3 "$top/scripts/rooms.py" --check

echo "== the product in Release (-Werror) and its package (built, lintian, installed, purged)"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=Release -DWERROR=ON >/dev/null
cmake --build "$top/build" -j"$(nproc)" --target starttls-scan starttls-scan-docs
(cd "$top/build" && ctest --output-on-failure -R '^package\.deb$' --timeout 900)

echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer, -Werror)"
# -g1 (line tables: every sanitizer report still names file and line) instead of -g: the
# full debug info and its variable tracking were a third of this tree's compile time.
cmake -S "$top" -B "$top/build-asan" -DSANITIZE=ON -DWERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
cmake --build "$top/build-asan" -j"$(nproc)"
echo "== the whole suite under ASan + UBSan + LSan"
# Leaks fail a test (LSan is on with ASan; exitcode makes the process fail, not just print).
(cd "$top/build-asan" && \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j2 -E '^package\.deb$' --timeout 900)

echo "== fuzzing (${FUZZ_SECONDS:-15}s per target)"
"$top/scripts/fuzz.sh" "${FUZZ_SECONDS:-15}"
echo "test.sh: all passed"
