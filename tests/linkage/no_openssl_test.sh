#!/usr/bin/env bash
# One TLS library per binary: no program we build may load OpenSSL's libssl/libcrypto.
# Any BoringSSL it loads must come from the android folder.
set -euo pipefail
bin_dir=$1
checked=0
failed=0
for program in "$bin_dir"/*; do
  [ -f "$program" ] && [ -x "$program" ] || continue
  file -b "$program" 2>/dev/null | grep -q ELF || head -c4 "$program" | grep -q $'\x7fELF' || continue
  libs=$(ldd "$program")
  checked=$((checked + 1))
  if echo "$libs" | grep -E 'libssl\.so\.3|libcrypto\.so\.3|libssl\.so\.1|libcrypto\.so\.1' >/dev/null; then
    echo "FAIL: $program links OpenSSL:"; echo "$libs" | grep -E 'libssl|libcrypto'
    failed=1
  fi
  if echo "$libs" | grep -E 'lib(ssl|crypto)\.so\.0' | grep -v '/android/' >/dev/null; then
    echo "FAIL: $program loads a libssl/libcrypto outside the BoringSSL folder"; failed=1
  fi
done
echo "checked $checked programs"
[ "$checked" -gt 0 ] || { echo "FAIL: no programs found in $bin_dir"; exit 1; }
exit $failed
