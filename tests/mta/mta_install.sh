# shellcheck shell=bash
# Sourced by mta.sh: idempotent installs of the real MTAs the tests scan.
#
# Postfix comes from apt with debconf's "No configuration" (so Debian writes no main.cf and
# starts nothing). Exim4 conflicts with Postfix (both provide mail-transport-agent), so it is
# never apt-installed: its .debs are downloaded and unpacked into a cache folder of the tests'
# own, and only its shared-library dependencies come from apt.
#
# Env: MTA_CACHE_DIR (default /var/cache/starttls-scan-tests) holds the Exim tree and a lock.

MTA_CACHE_DIR=${MTA_CACHE_DIR:-/var/cache/starttls-scan-tests}
POSTFIX_MASTER=/usr/lib/postfix/sbin/master
EXIM_LIB_PACKAGES=(libc6 libcrypt1 libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0
                   libnsl2 libpcre2-8-0)
# The user Debian's Exim binary has compiled in (it looks it up before reading any config).
EXIM_USER=Debian-exim

mta_missing_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || echo "$package"
  done
}

# apt-get with a lock wait; refreshes the package lists once if the first try fails
# (a fresh machine may have none yet).
mta_apt() {
  local apt=(apt-get -q -o DPkg::Lock::Timeout=300 -o APT::Sandbox::User=root)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" "$@" >>"$MTA_CACHE_DIR/apt.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >>"$MTA_CACHE_DIR/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" "$@" >>"$MTA_CACHE_DIR/apt.log" 2>&1 \
      || mta_die "apt-get $* failed; see $MTA_CACHE_DIR/apt.log"
  fi
}

# Runs "$@" under an exclusive lock so parallel tests never install at the same time.
mta_locked() {
  mkdir -p "$MTA_CACHE_DIR"
  (
    flock -w 600 9 || mta_die "could not lock $MTA_CACHE_DIR/install.lock"
    "$@"
  ) 9>"$MTA_CACHE_DIR/install.lock"
}

mta_install_postfix_locked() {
  [[ -x $POSTFIX_MASTER ]] && command -v postconf >/dev/null && return 0
  echo "mta: installing postfix (No configuration)" >&2
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  mta_apt install -y --no-install-recommends postfix
  [[ -x $POSTFIX_MASTER ]] || mta_die "postfix installed but $POSTFIX_MASTER is missing"
}

mta_install_postfix() {
  mta_locked mta_install_postfix_locked
  # Needed for an openssl-made cert and by the tests' client.
  command -v openssl >/dev/null || mta_locked mta_apt install -y openssl
}

# Prints the unpacked exim4 binary's path.
exim_binary() { echo "$MTA_CACHE_DIR/exim/root/usr/sbin/exim4"; }

mta_install_exim_locked() {
  local missing
  missing=$(mta_missing_packages "${EXIM_LIB_PACKAGES[@]}")
  if [[ -n $missing ]]; then
    echo "mta: installing Exim's libraries: $missing" >&2
    # shellcheck disable=SC2086  # one package per word
    mta_apt install -y --no-install-recommends $missing
  fi
  if ! getent passwd "$EXIM_USER" >/dev/null; then
    echo "mta: adding system user $EXIM_USER (compiled into Debian's exim4)" >&2
    getent group "$EXIM_USER" >/dev/null || groupadd --system "$EXIM_USER"
    useradd --system --gid "$EXIM_USER" --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$EXIM_USER"
  fi
  local exim
  exim=$(exim_binary)
  if [[ -x $exim ]] && ! ldd "$exim" | grep -q "not found"; then
    return 0
  fi
  echo "mta: downloading and unpacking exim4-daemon-light + exim4-base" >&2
  local debs="$MTA_CACHE_DIR/exim/debs"
  rm -rf "$debs" "$MTA_CACHE_DIR/exim/root.new"
  mkdir -p "$debs" "$MTA_CACHE_DIR/exim/root.new"
  (cd "$debs" && mta_apt download exim4-daemon-light exim4-base)
  local deb
  for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$MTA_CACHE_DIR/exim/root.new"
  done
  rm -rf "$MTA_CACHE_DIR/exim/root"
  mv "$MTA_CACHE_DIR/exim/root.new" "$MTA_CACHE_DIR/exim/root"
  [[ -x $exim ]] || mta_die "exim4 binary missing after unpacking"
  if ldd "$exim" | grep "not found" >&2; then
    mta_die "exim4 still lacks libraries (apt-cache depends exim4-daemon-light)"
  fi
}

mta_install_exim() {
  mta_locked mta_install_exim_locked
  command -v openssl >/dev/null || mta_locked mta_apt install -y openssl
}
