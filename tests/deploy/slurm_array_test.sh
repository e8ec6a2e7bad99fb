#!/usr/bin/env bash
# Issue 12 §2 on a real Slurm (Debian's slurm-wlm and munge, one node on 127.0.0.1, started
# by scripts/slurm/cluster.sh and stopped by the PIDs it recorded): deploy/slurm/submit.sh
# submits a 4-shard scan of the lab as an array job; one array task is SIGKILLed partway and
# requeued (`scontrol requeue`), and its successor resumes from the records it left; when
# every task is done, `starttls-scan merge` puts the parts together: every target exactly
# once, every record agreeing with the lab's truth, the killed shard's metadata counting two
# parts.
#   slurm_array_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
run=$(mktemp -d /tmp/starttls-slurm.XXXXXX)
chmod 755 "$run"
cleanup() {
  "$top/scripts/slurm/cluster.sh" stop "$run/cluster" >/dev/null 2>&1 || true
  "$top/scripts/lab/lab.sh" stop "$run/lab" || true
  [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  tail -n 5 "$run"/scan/slurm-*.log "$run/cluster/slurm/slurmctld.log" 2>/dev/null >&2 || true
  exit 1
}
deadline() { (($(date +%s) < $1)); }
t0=$(date +%s)
say() { echo "[$(($(date +%s) - t0)) s] $*"; }

# Ports of this cluster only, so that no other Slurm on the machine is met.
export SLURMCTLD_PORT=$((6900 + 2 * (RANDOM % 500)))
export SLURMD_PORT=$((SLURMCTLD_PORT + 1))
SLURM_CONF=$("$top/scripts/slurm/cluster.sh" start "$run/cluster") || fail "cluster did not start"
say "cluster up"
export SLURM_CONF PATH=$PATH:/usr/sbin

hosts=200
net="127.$((100 + RANDOM % 100))"
port=$((20000 + RANDOM % 12000))
# 300 ms per reply: a task of 50 hosts at 5 sessions takes ~10 s, long enough to be killed.
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --addresses "$net.0.1-$net.0.$hosts" \
  --port "$port" --domains 0 --latency-ms 300 \
  --weights compliant=4,no_starttls=2,misordered=2,connection_refused=1
cut -d'"' -f4 <(grep -o '"ip":"[^"]*"' "$run/lab/truth.ndjson") >"$run/targets"
[[ $(wc -l <"$run/targets") -eq $hosts ]] || fail "lab truth has not $hosts rows"

export STARTTLS_SCAN=$bin/starttls-scan
job=$("$top/deploy/slurm/submit.sh" --shards 4 --dir "$run/scan" --input "$run/targets" \
  --seed 4242 -- --allow-reserved -p "$port" --rate 0 --max-per-prefix 0 --concurrency 5 \
  --starttls never) || fail "submit.sh exited $?"
job=${job%%;*}
say "array job $job submitted"

# Task 1, once it has written records: SIGKILL (no chance to finish its metadata), requeue.
victim=1
until_t=$(($(date +%s) + 120))
while deadline "$until_t"; do
  state=$(squeue -h -j "${job}_$victim" -o %T 2>/dev/null || true)
  [[ $state == RUNNING && -s $run/scan/shard-$victim.ndjson ]] && break
  sleep 0.2
done
[[ $state == RUNNING ]] || fail "task $victim never ran (state '$state')"
scancel --signal=KILL --batch "${job}_$victim" || fail "scancel exited $?"
until_t=$(($(date +%s) + 30))
while deadline "$until_t" && [[ -n $(squeue -h -j "${job}_$victim" -t RUNNING -o %T 2>/dev/null) ]]; do
  sleep 0.2
done
killed_records=$(wc -l <"$run/scan/shard-$victim.ndjson")
/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert not m["completed"], m' \
  "$run/scan/shard-$victim.json" || fail "task $victim finished before it was killed: make the lab slower"
say "task $victim killed after $killed_records records"
scontrol requeue "${job}_$victim" || fail "scontrol requeue exited $?"
say "task $victim requeued: $(squeue -h -j "${job}_$victim" -o '%T %r' 2>&1)"
# A requeued job waits out a begin time (two minutes in Slurm 22.05), or is held: make it
# eligible now, until it runs again.
until_t=$(($(date +%s) + 60))
while deadline "$until_t"; do
  read -r state reason < <(squeue -h -j "${job}_$victim" -o '%T %r' 2>/dev/null || true) || true
  [[ $state == PENDING ]] || break
  case $reason in
    *Held*) scontrol release "${job}_$victim" || true ;;
    BeginTime) scontrol update JobId="${job}_$victim" StartTime=now || true ;;
  esac
  sleep 0.5
done
say "task $victim running again (${state:-done})"

until_t=$(($(date +%s) + 180))
while deadline "$until_t" && [[ -n $(squeue -h -j "$job" 2>/dev/null) ]]; do sleep 0.5; done
[[ -z $(squeue -h -j "$job" 2>/dev/null) ]] || fail "array job still queued: $(squeue -j "$job")"
say "all tasks done"
"$top/scripts/lab/lab.sh" stop "$run/lab"

"$bin/starttls-scan" merge -o "$run/all.ndjson" -m "$run/all.json" "$run"/scan/shard-*.ndjson \
  || fail "merge exited $?"
/usr/bin/python3 - "$run" "$victim" "$killed_records" <<'PY' || fail "merged scan"
import json, sys
run, victim, killed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for k in range(4):
    meta = json.load(open(f"{run}/scan/shard-{k}.json"))
    assert meta["completed"] and meta["seed"] == "4242" and meta["shards"] == 4, meta
    want_parts = 2 if k == victim else 1
    assert meta["parts"] == want_parts, (k, meta["parts"], want_parts)
records = [json.loads(l) for l in open(f"{run}/scan/shard-{victim}.ndjson")]
assert len(records) > killed, (len(records), killed)
meta = json.load(open(f"{run}/all.json"))
assert meta["merged_from"] == [f"{run}/scan/shard-{k}.ndjson" for k in range(4)], meta["merged_from"]
assert meta["parts"] == 5 and meta["completed"], meta
print(f"4 shards, shard {victim} in 2 parts ({killed} records before the kill, {len(records)} after)")
PY
/usr/bin/python3 "$top/tests/scan/compare_truth.py" "$run/lab/truth.ndjson" "$run/all.ndjson" \
  | tail -5 | tee "$run/compare"
grep -q "^$hosts truth rows, $hosts records, 0 problems$" "$run/compare" \
  || fail "merged records disagree with the lab's truth"
echo "ok"
