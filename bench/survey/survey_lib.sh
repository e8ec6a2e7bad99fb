# Shared by the survey-size benchmarks (internet.sh, hostile.sh); sourced, not run.
#
# in_own_netns "$@": re-runs the calling script inside a network namespace it creates (loopback
# up, a TIME_WAIT table big enough for the run, the whole port range for connects), deletes the
# namespace afterwards and exits with the script's status. Why: at survey rates every session
# the lab closes first leaves a TIME_WAIT entry; the host's table (131,072 here) overflows and
# late ACKs then draw RSTs (bench/README.md, "The lab's ceiling at survey size"); the wildcard
# lab's accept queue must take a 50,000-SYN burst (somaxconn); and a metrics entry saved per
# closed connection to millions of distinct addresses made every connect search a long hash
# chain (__tcp_get_metrics, 3% of the scanner's profile: tcp_no_metrics_save). Without the
# rights to create one (not root) the script runs where it is, and says so.

in_own_netns() {
  [[ -n ${SURVEY_NETNS:-} ]] && return 0
  local ns="starttls-survey-$$"
  if ! ip netns add "$ns" 2>/dev/null; then
    echo "survey: cannot create a network namespace (needs root); running in this one" >&2
    export SURVEY_NETNS=none
    return 0
  fi
  local rc=0
  ip netns exec "$ns" sh -c 'ip link set lo up &&
    sysctl -qw net.ipv4.tcp_max_tw_buckets=4000000 net.ipv4.ip_local_port_range="10000 65535" \
      net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
      net.ipv4.tcp_no_metrics_save=1' || rc=$?
  if [[ $rc -eq 0 ]]; then
    SURVEY_NETNS=$ns ip netns exec "$ns" "$0" "$@" || rc=$?
  fi
  ip netns del "$ns"
  exit "$rc"
}

# lab_cpu_s PID: user+system seconds of a process and its live children (the lab's workers).
lab_cpu_s() {
  python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1])
tick = os.sysconf("SC_CLK_TCK")
total = 0
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        stat = open(f"/proc/{entry}/stat").read()
    except OSError:
        continue
    fields = stat[stat.rindex(")") + 2:].split()
    if int(entry) == root or int(fields[1]) == root:   # fields[1]: ppid
        total += int(fields[11]) + int(fields[12])      # utime, stime
print(f"{total / tick:.2f}")
PY
}

# load_now: the 1-minute load average, recorded beside every figure (the machine is shared).
load_now() { cut -d' ' -f1 /proc/loadavg; }
