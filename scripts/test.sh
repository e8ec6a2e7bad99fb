#!/usr/bin/env bash
# The README's second command: installs what is missing, builds, and runs the whole test
# suite: the Release build with its unit tests, then EVERY test (unit and integration: the lab,
# NSD, Unbound, the MTAs, Slurm, Chromium) again in a build with AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer, then the fuzz targets for a bounded time.
# .ci/run calls exactly this.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"

echo "== format (clang-format, .clang-format) and the include graph (no arrow back up)"
"$top/scripts/check-format.sh"
python3 "$top/scripts/rooms.py" --check

echo "== build (Release, -Werror)"
"$top/scripts/build.sh" "$top/build"
echo "== unit tests and the package (Release: the .deb is built from this tree, installed, purged)"
(cd "$top/build" && ctest --output-on-failure -j2 -L unit --timeout 900 && \
  ctest --output-on-failure -R '^package\.deb$' --timeout 900)

echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer, -Werror)"
cmake -S "$top" -B "$top/build-asan" -DSANITIZE=ON -DWERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build-asan" -j"$(nproc)"
echo "== the whole suite under ASan + UBSan + LSan"
# Leaks fail a test (LSan is on with ASan; exitcode makes the process fail, not just print).
(cd "$top/build-asan" && \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j2 -E '^package\.deb$' --timeout 900)

echo "== fuzzing (${FUZZ_SECONDS:-15}s per target)"
"$top/scripts/fuzz.sh" "${FUZZ_SECONDS:-15}"
echo "test.sh: all passed"
