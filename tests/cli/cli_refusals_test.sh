#!/usr/bin/env bash
# Issue 11 §3: unknown flags and bad configurations exit 2 with a one-line reason naming the
# flag or file, before any packet or DNS query. Each case runs in a network namespace of its
# own with no route but loopback, with targets (a domain, 127.0.0.1) and a --resolver on
# loopback, so that anything the scanner sent would show in the namespace's lo counters.
#   cli_refusals_test.sh STARTTLS_SCAN
set -euo pipefail
scan=$1
run=$(mktemp -d /tmp/starttls-cli-refusals.XXXXXX)
trap 'rm -rf "$run"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v unshare >/dev/null || fail "unshare (util-linux) is needed"

mkdir "$run/dir"
printf '127.0.0.1\nexample.org\n' >"$run/targets"
: >"$run/empty-file"
common=(--allow-reserved --resolver 127.0.0.1:53 --rate 0 -q)

# Runs the scanner in a fresh namespace; prints "exit-code tx-packets".
in_namespace() {
  unshare -n bash -c '
    ip link set lo up
    "$@" >"'"$run"'/stdout" 2>"'"$run"'/stderr"
    code=$?
    sleep 0.2
    packets=$(awk "/lo:/ {print \$11}" /proc/net/dev)
    echo "$code $packets"' _ "$@"
}

check_refused() {
  local want_text=$1
  shift
  read -r code packets < <(in_namespace "$scan" "$@")
  [[ $code -eq 2 ]] || fail "exit $code, wanted 2, for: $* ($(cat "$run/stderr"))"
  [[ $packets -eq 0 ]] || fail "$packets packets sent for: $*"
  [[ ! -s $run/stdout ]] || fail "output written for: $*: $(head -c 200 "$run/stdout")"
  [[ $(wc -l <"$run/stderr") -eq 1 ]] || fail "not one line of error for: $*: $(cat "$run/stderr")"
  grep -q -- "$want_text" "$run/stderr" || fail "error for '$*' does not name '$want_text': $(cat "$run/stderr")"
  echo "refused (exit 2, 0 packets): $* -> $(cat "$run/stderr")"
}

check_refused "unknown flag -x" "${common[@]}" -x 127.0.0.1
check_refused "unknown flag --bogus" "${common[@]}" --bogus 127.0.0.1
check_refused "unknown flag -Z" "${common[@]}" -Zq 127.0.0.1
check_refused "--port" "${common[@]}" -p 0 127.0.0.1
check_refused "--port" "${common[@]}" -p 25,25 127.0.0.1
check_refused "needs --seed" "${common[@]}" --shards 2 --shard 0 127.0.0.1
check_refused "needs --shard" "${common[@]}" --shards 2 --seed 1 127.0.0.1
check_refused "--shard" "${common[@]}" --shards 2 --shard 2 --seed 1 127.0.0.1
check_refused "both as arguments and with --input-file" "${common[@]}" -f "$run/targets" 127.0.0.1
check_refused "'-' is not a target" "${common[@]}" -
check_refused "--source-ip: 192.0.2.1" "${common[@]}" -S 192.0.2.1 127.0.0.1
check_refused "--metadata-file" "${common[@]}" -m "$run/missing/meta.json" 127.0.0.1
check_refused "$run/dir is a directory" "${common[@]}" -f "$run/dir"
check_refused "$run/missing-input" "${common[@]}" -f "$run/missing-input"
check_refused "--status-updates-file" "${common[@]}" -u "$run/missing/status.csv" 127.0.0.1
check_refused "--log-file" "${common[@]}" -l "$run/missing/log.txt" 127.0.0.1
check_refused "--output-file" "${common[@]}" -o "$run/missing/out.ndjson" 127.0.0.1
check_refused "--resolver" --allow-reserved -q --resolver not-an-address 127.0.0.1
check_refused "--ca-file" "${common[@]}" --ca-file "$run/missing-ca.pem" 127.0.0.1
check_refused "--max-runtime" "${common[@]}" -t 5x 127.0.0.1
check_refused "--ehlo-name" "${common[@]}" --ehlo-name "bad name" 127.0.0.1
check_refused "--resume" "${common[@]}" --resume 127.0.0.1
check_refused "--blocklist-file" "${common[@]}" -b "$run/missing-blocklist" 127.0.0.1
[[ ! -e $run/missing ]] || fail "a refused run created files"

echo "== the ZMap letters are flags, not targets"
read -r code packets < <(in_namespace "$scan" -q -o "$run/x.ndjson" -p 2525 -r 10 \
  -m "$run/meta.json" 127.0.0.1)
[[ $code -eq 0 ]] || fail "-q -o -p -r -m: exit $code ($(cat "$run/stderr"))"
[[ $(grep -c '"type":"host"' "$run/x.ndjson") -eq 1 ]] || fail "records: $(cat "$run/x.ndjson")"
grep -q '"status":"blocklisted"' "$run/x.ndjson" || fail "127.0.0.1 not refused by the blocklist"
[[ $packets -eq 0 ]] || fail "a blocklisted target sent $packets packets"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["flags"]["port"]=="2525", m' \
  "$run/meta.json" || fail "metadata flags: $(cat "$run/meta.json")"

echo "== --version and -V"
version=$("$scan" --version)
grep -q "^starttls-scan " <<<"$version" || fail "--version: $version"
short=$("$scan" -V)
for lib in liburing BoringSSL c-ares; do
  grep -q "^$lib" <<<"$short" || fail "-V does not name $lib: $short"
done
help=$("$scan" --help)
grep -q -- "-p, --port" <<<"$help" || fail "--help does not show the short forms"
echo "ok"
