# Sourced by shell tests that run against the lab (smtp-lab, NSD, Unbound, policy-lab):
#   source "$top/tests/lab_fixture.sh"; lab_fixture NAME
# gives a private run directory ($run, removed at exit unless KEEP_RUN is set), a random
# loopback /16 ($net) and ports ($port, $dns_port) so that tests running in parallel never
# meet, `fail`, and an exit trap that stops every lab daemon started under $run/lab by the
# PID its start script recorded.
lab_fixture() {
  run=$(mktemp -d "/tmp/starttls-$1.XXXXXX")
  net="127.$((100 + RANDOM % 100))"
  port=$((20000 + RANDOM % 12000))
  dns_port=$((10000 + RANDOM % 10000))
  trap lab_fixture_cleanup EXIT
}

lab_fixture_cleanup() {
  local daemon
  for daemon in policy-lab unbound nsd; do
    "$top/scripts/lab/$daemon.sh" stop "$run/lab" >/dev/null 2>&1 || true
  done
  "$top/scripts/lab/lab.sh" stop "$run/lab" >/dev/null 2>&1 || true
  [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
