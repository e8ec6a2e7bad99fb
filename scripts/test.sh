#!/usr/bin/env bash
# The README's second command: installs what is missing, builds, and runs the whole test
# suite — the Release build's ctest, the unit tests again under ASan+UBSan, and the fuzz
# targets for a bounded time. .ci/run calls exactly this.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"

echo "== build (Release, -Werror)"
"$top/scripts/build.sh" "$top/build"
echo "== ctest (Release)"
(cd "$top/build" && ctest --output-on-failure -j2 --timeout 900)

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S "$top" -B "$top/build-asan" -DSANITIZE=ON -DWERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build-asan" -j"$(nproc)" --target unit_tests
(cd "$top/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j2 -L unit --timeout 900)

echo "== fuzzing (${FUZZ_SECONDS:-60}s per target)"
"$top/scripts/fuzz.sh" "${FUZZ_SECONDS:-60}"
echo "test.sh: all passed"
