#!/usr/bin/env bash
# Installs the Debian 12 packages starttls-scan needs to build, test and demo, skipping
# those already present. Idempotent; needs root (it is how CI and the README run it).
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev llvm-14 clang-format clang-tidy
  liburing-dev android-libboringssl-dev libc-ares-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsimdjson-dev zlib1g-dev libzstd-dev zstd
  python3 python3-jsonschema python3-yaml
  nsd unbound dnsutils ldnsutils openssl curl iproute2 time procps
  chromium chromium-driver
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Servers we install (nsd, unbound) are started by the tests on their own addresses only:
# keep their packages from starting system-wide daemons while installing.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=true
fi
trap '$created_policy && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
